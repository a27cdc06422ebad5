"""HTML of the pages the embedded iframe shows: the app page and the notice pages.

Every page works under the strict CSP (``script-src 'self'; style-src 'self'``): no inline
script and no inline style. Data for the scripts rides in ``<script type="application/json">``
blocks, which browsers never execute; :func:`json_for_script` escapes them so that no value
can close the tag.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any
from urllib.parse import quote

STATIC_PREFIX = "/static"

# Modules of the runtime, fetched in parallel instead of one import level at a time.
RUNTIME_MODULES = (
    "vendor/preact.module.js",
    "vendor/hooks.module.js",
    "vendor/htm.module.js",
    "vendor/signals-core.module.js",
    "vendor/signals.module.js",
    "html.js",
    "api.js",
    "messages.js",
    "state.js",
    "expr.js",
    "theme.js",
    "format.js",
    "table-model.js",
    "components/common.js",
    "components/basic.js",
    "components/markdown.js",
    "components/button.js",
    "components/inputs.js",
    "components/table.js",
    "components/index.js",
    "components/shell.js",
)

_SCRIPT_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def json_for_script(value: Any) -> str:
    """JSON safe inside ``<script type="application/json">``: ``<``, ``>``, ``&``, U+2028
    and U+2029 are written as ``\\uXXXX`` escapes, so the text can never contain ``</script``
    or ``<!--`` and still parses to the same value."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return "".join(_SCRIPT_ESCAPES.get(ch, ch) for ch in text)


def _asset(path: str, asset_version: str | None = None) -> str:
    url = f"{STATIC_PREFIX}/{path}"
    if asset_version:
        url += "?v=" + quote(asset_version, safe="")
    return escape(url)


def _head(title: str, asset_version: str, extra: str = "") -> str:
    return (
        "<!doctype html>\n"
        '<html lang="en">\n'
        "<head>\n"
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="robots" content="noindex, nofollow">\n'
        f"<title>{escape(title)}</title>\n"
        '<link rel="icon" href="data:,">\n'
        f'<link rel="stylesheet" href="{_asset("runtime.css", asset_version)}">\n'
        f"{extra}"
        "</head>\n"
    )


def render_app_page(boot: dict[str, Any], *, asset_version: str, title: str = "Inset") -> str:
    """The app page. ``boot`` is the runtime's start-up data::

        {"mode": "cookieless" | "cookie", "sessionToken": "inss_…" (cookieless only),
         "sessionId": "…", "apiBase": "/api/runtime", "parentOrigin": "https://…" | None,
         "page": "inventory" | None}

    The runtime reads the ``#inset-boot`` block once and removes it from the DOM. Serve the
    page with ``Cache-Control: no-store`` (it may carry a session token).
    """
    preloads = "".join(
        f'<link rel="modulepreload" href="{_asset(module)}">\n' for module in RUNTIME_MODULES
    )
    body = (
        "<body>\n"
        f'<script type="application/json" id="inset-boot">{json_for_script(boot)}</script>\n'
        '<div id="app">'
        '<div class="inset-boot" role="status">'
        '<span class="inset-spinner" aria-hidden="true"></span><span>Loading…</span>'
        "</div>"
        '<noscript><div class="inset-center"><div class="inset-panel">'
        '<h1 class="inset-panel__title">JavaScript is required</h1>'
        '<p class="inset-panel__text">This app needs JavaScript. Enable it in your browser and '
        "reload the page.</p></div></div></noscript>"
        "</div>\n"
        f'<script type="module" src="{_asset("runtime.js", asset_version)}"></script>\n'
        "</body>\n</html>\n"
    )
    return _head(title, asset_version, preloads) + body


def _notice_page(
    *,
    kind: str,
    code: str,
    title: str,
    message: str,
    hint: str,
    parent_origin: str | None,
    asset_version: str,
) -> str:
    notice = {"type": kind, "code": code, "message": message, "parentOrigin": parent_origin}
    hint_html = f'<p class="inset-panel__text">{escape(hint)}</p>' if hint else ""
    body = (
        "<body>\n"
        f'<script type="application/json" id="inset-notice">{json_for_script(notice)}</script>\n'
        '<div class="inset-center">'
        '<div class="inset-panel" role="alert">'
        f'<h1 class="inset-panel__title">{escape(title)}</h1>'
        f'<p class="inset-panel__text">{escape(message)}</p>'
        f"{hint_html}"
        f'<p class="inset-panel__code">{escape(code)}</p>'
        "</div></div>\n"
        f'<script type="module" src="{_asset("embed-error.js", asset_version)}"></script>\n'
        "</body>\n</html>\n"
    )
    return _head(title, asset_version) + body


# Codes of a session that existed and ended: the host should mint a fresh embed URL.
SESSION_ENDED_CODES = frozenset({"session_expired", "session_revoked"})

RELOAD_HINT = "Reload the page you opened this app from to get a new link."

_ERROR_TITLES = {
    "embed_url_used": "This link has already been used",
    "embed_url_expired": "This link has expired",
    "embed_url_unknown": "This link isn't valid",
}


def render_error_page(
    code: str, message: str, parent_origin: str | None, *, asset_version: str
) -> str:
    """A friendly page for an unusable embed link (used, expired, unknown).

    Its script posts ``{type: "inset:error", version: 1, code, message}`` to the parent
    window: to ``parent_origin`` when given, else to ``"*"``. Put nothing sensitive in
    ``code`` or ``message``: both are shown and posted as they are. For the codes of an
    ended session (``session_expired``, ``session_revoked``) this is
    :func:`render_session_ended_page`, which posts ``inset:session-expired`` instead.
    """
    if code in SESSION_ENDED_CODES:
        return render_session_ended_page(
            parent_origin, asset_version=asset_version, code=code, message=message
        )
    title = _ERROR_TITLES.get(code, "This app can't be opened")
    return _notice_page(
        kind="inset:error",
        code=code,
        title=title,
        message=message,
        hint=RELOAD_HINT if code in _ERROR_TITLES else "",
        parent_origin=parent_origin,
        asset_version=asset_version,
    )


def render_session_ended_page(
    parent_origin: str | None,
    *,
    asset_version: str,
    code: str = "session_expired",
    message: str = "Your session has ended. Reload the page you opened this app from.",
) -> str:
    """The page for a cookie-mode session that expired or was revoked (e.g. on reload).

    Its script posts ``{type: "inset:session-expired", version: 1, code, message}`` to
    ``parent_origin`` (or ``"*"`` when unknown) so the host SDK can mint a fresh URL.
    """
    return _notice_page(
        kind="inset:session-expired",
        code=code,
        title="Your session has ended",
        message=message,
        hint="",
        parent_origin=parent_origin,
        asset_version=asset_version,
    )
