"""Northwind Marketplace: the demo's *host product*, a separate web app on its own origin.

It shows what a real integration does. The host keeps its own login (here: pick a
supplier); its backend calls Inset's public API ``POST /api/embed-url/external-user`` over
HTTP with an embed-scope access token, naming the user, their groups and the metadata the
app's SQL filters on; the page shows the returned single-use URL in an iframe.

The access token stays in this process: it is never put in a page, a URL or a log line.
Pages are server-rendered HTML with a strict CSP (no inline script or style); the one
script, ``host.js``, is optional (auto-height and "session ended" notices).
"""

from __future__ import annotations

import html
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from inset import __version__
from inset.demo.data import SUPPLIERS, Supplier

STATIC_DIR = Path(__file__).parent / "static"
EMBED_PATH = "/api/embed-url/external-user"
INSET_TIMEOUT_SECONDS = 10.0

# A contact person per supplier: who "logs in" to the host product.
CONTACTS: dict[int, tuple[str, str]] = {
    1: ("Alice", "Porter"),
    2: ("Bjørn", "Haugen"),
    3: ("Carla", "Sousa"),
}
# A member of the host company's own staff: group "staff" sees every supplier.
STAFF_CONTACT = ("Nadia", "Reyes", "nadia@northwind.example")


class Secret:
    """A string that does not show itself in reprs, tracebacks or logs."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__


@dataclass(frozen=True)
class HostConfig:
    """Where Inset is and which app to embed."""

    inset_url: str
    """Base URL this backend calls (server to server)."""
    inset_public_url: str
    """Base URL the browser loads the iframe from; embed URLs must start with it."""
    app_id: str
    """The app's uuid (``landingPageUuid``)."""
    parent_origins: tuple[str, ...]
    """Origins this page may be served from; the app allows exactly these."""
    token: Secret = field(repr=False)


@dataclass(frozen=True)
class Login:
    """The host product's signed-in user, and what it tells Inset about them."""

    key: str
    """Which entry of the sign-in list this is (``supplier-1``, ``staff``)."""
    query: str
    """The query string that signs in as this user (``supplier=1``)."""
    label: str
    body: dict[str, Any]


@dataclass(frozen=True)
class EmbedResult:
    embed_url: str | None = None
    status: int | None = None
    code: str | None = None
    message: str | None = None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def supplier_login(supplier: Supplier) -> Login:
    first, last = CONTACTS.get(supplier.id, ("Supplier", "User"))
    return Login(
        key=f"supplier-{supplier.id}",
        query=f"supplier={supplier.id}",
        label=f"{first} {last} · {supplier.name}",
        body={
            "groupIds": ["suppliers"],
            "externalIdentifier": f"supplier-{supplier.id}-user",
            "userInfo": {"email": supplier.contact_email, "firstName": first, "lastName": last},
            "metadata": {"supplierId": supplier.id},
        },
    )


def staff_login() -> Login:
    first, last, email = STAFF_CONTACT
    return Login(
        key="staff",
        query="staff=1",
        label=f"{first} {last} · Northwind staff",
        body={
            "groupIds": ["staff"],
            "externalIdentifier": "staff-nadia",
            "userInfo": {"email": email, "firstName": first, "lastName": last},
            "metadata": {},
        },
    )


async def mint_embed_url(
    client: httpx.AsyncClient, config: HostConfig, login: Login, parent_origin: str
) -> EmbedResult:
    """The host backend's one call to Inset. Never raises: errors become an EmbedResult."""
    body = {**login.body, "landingPageUuid": config.app_id, "parentOrigin": parent_origin}
    url = config.inset_url.rstrip("/") + EMBED_PATH
    try:
        response = await client.post(
            url,
            json=body,
            headers={"Authorization": f"Bearer {config.token.reveal()}"},
            timeout=INSET_TIMEOUT_SECONDS,
        )
    except httpx.HTTPError as exc:
        return EmbedResult(
            code="inset_unreachable",
            message=f"Inset did not answer at {config.inset_url} ({type(exc).__name__}). "
            "Is it running?",
        )
    try:
        payload = response.json()
    except ValueError:
        payload = None
    if response.status_code == 200 and isinstance(payload, dict):
        embed_url = payload.get("embedUrl")
        public = config.inset_public_url.rstrip("/") + "/"
        if isinstance(embed_url, str) and embed_url.startswith(public):
            return EmbedResult(embed_url=embed_url, status=200)
        return EmbedResult(
            status=200,
            code="unexpected_embed_url",
            message=f"Inset answered with an embed URL outside {config.inset_public_url}.",
        )
    error = payload.get("error") if isinstance(payload, dict) else None
    if isinstance(error, dict):
        return EmbedResult(
            status=response.status_code,
            code=str(error.get("code") or "error"),
            message=str(error.get("message") or "(no message)"),
        )
    return EmbedResult(
        status=response.status_code,
        code="unexpected_response",
        message=f"Inset answered HTTP {response.status_code} without an error body.",
    )


# ------------------------------------------------------------------------------- rendering


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _layout(title: str, body: str, *, signed_in: str | None = None) -> str:
    user = (
        f'<span class="who">Signed in as <strong>{_e(signed_in)}</strong></span>'
        '<a class="button button--quiet" href="/">Sign out</a>'
        if signed_in
        else '<span class="who">Not signed in</span>'
    )
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)} · Northwind Marketplace</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/host.css?v={_e(__version__)}">
<script type="module" src="/static/host.js?v={_e(__version__)}"></script>
</head>
<body>
<header class="topbar">
  <a class="brand" href="/"><span class="brand__mark" aria-hidden="true">N</span>
    Northwind Marketplace</a>
  <nav class="topnav" aria-label="Main">
    <span>Orders</span><span>Catalogue</span><span class="topnav__current">Supplier portal</span>
  </nav>
  <div class="account">{user}</div>
</header>
<main class="main">
{body}
</main>
<footer class="footer">Northwind Marketplace is the demo's host product: a separate app on its
own origin. The portal inside the frame is served by Inset.</footer>
</body>
</html>
"""


def _login_list(current: str | None) -> str:
    items = []
    for supplier in SUPPLIERS:
        key = f"supplier-{supplier.id}"
        first, last = CONTACTS.get(supplier.id, ("", ""))
        selected = ' aria-current="page"' if key == current else ""
        items.append(
            f'<li><a class="login" href="/?supplier={supplier.id}"{selected}>'
            f'<span class="login__name">{_e(supplier.name)}</span>'
            f'<span class="login__meta">{_e(first)} {_e(last)} · {_e(supplier.city)}, '
            f"{_e(supplier.country)} · supplier #{supplier.id}</span></a></li>"
        )
    selected = ' aria-current="page"' if current == "staff" else ""
    items.append(
        f'<li><a class="login login--staff" href="/?staff=1"{selected}>'
        '<span class="login__name">Northwind staff</span>'
        f'<span class="login__meta">{_e(STAFF_CONTACT[0])} {_e(STAFF_CONTACT[1])} · sees every '
        "supplier</span></a></li>"
    )
    return (
        '<nav class="logins" aria-label="Sign in as"><h2>Sign in as</h2>'
        f"<ul>{''.join(items)}</ul>"
        '<p class="hint">The host product keeps its own login. Inset only learns who the user '
        "is when this product's backend asks it for an embed URL.</p></nav>"
    )


def render_index() -> str:
    body = (
        '<div class="layout">'
        + _login_list(None)
        + '<section class="panel panel--intro"><h1>Supplier portal</h1>'
        "<p>Pick a supplier on the left to sign in as one of its users. The backend of this "
        "page then asks Inset for a single-use embed URL for that user, with "
        "<code>metadata.supplierId</code> set, and shows the portal below.</p>"
        "<p>Each supplier sees only its own stock, invoices and sales: the app's SQL filters on "
        "<code>current_user.metadata.supplierId</code>, which only this backend can set.</p>"
        "</section></div>"
    )
    return _layout("Supplier portal", body)


ERROR_HINTS = {
    "invalid_token": "The host's access token is not valid for this Inset: restart `inset demo`.",
    "token_revoked": "The host's access token was revoked (a newer `inset demo` run does that): "
    "restart `inset demo`.",
    "token_expired": "The host's access token has expired: restart `inset demo`.",
    "origin_not_allowed": "Open this page at an address the app's embed.parentOrigins allow.",
    "inset_unreachable": "Start Inset, or check the address this product calls it at.",
}


def _hint(code: str | None) -> str:
    hint = ERROR_HINTS.get(code or "")
    return f'<p class="error__todo">{_e(hint)}</p>' if hint else ""


def render_portal(login: Login, result: EmbedResult, inset_origin: str) -> str:
    if result.embed_url:
        content = (
            f'<iframe class="inset-frame" id="inset-frame" src="{_e(result.embed_url)}" '
            f'title="Supplier portal" data-inset-origin="{_e(inset_origin)}" '
            'referrerpolicy="no-referrer"></iframe>'
            '<div class="notice" id="frame-notice" role="status" hidden></div>'
        )
    else:
        status = f"HTTP {result.status} · " if result.status else ""
        content = (
            '<div class="error" role="alert"><h2>The portal could not be opened</h2>'
            f'<p class="error__code">{_e(status)}{_e(result.code)}</p>'
            f'<p class="error__message">{_e(result.message)}</p>'
            f"{_hint(result.code)}"
            '<p class="error__hint">This is the answer from Inset to this product\'s backend. '
            f'<a href="/?{_e(login.query)}">Try again</a></p></div>'
        )
    body = (
        '<div class="layout">'
        + _login_list(login.key)
        + f'<section class="panel panel--portal"><h1>Supplier portal</h1>{content}</section>'
        "</div>"
    )
    return _layout("Supplier portal", body, signed_in=login.label)


def render_message(title: str, message: str) -> str:
    body = (
        f'<section class="panel"><div class="error" role="alert"><h2>{_e(title)}</h2>'
        f'<p class="error__message">{_e(message)}</p>'
        '<p><a href="/">Back to the supplier list</a></p></div></section>'
    )
    return _layout(title, body)


# ------------------------------------------------------------------------------------ app


def content_security_policy(inset_origin: str) -> str:
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"frame-src {inset_origin}; connect-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    )


def create_host_app(
    config: HostConfig, transport: httpx.AsyncBaseTransport | None = None
) -> FastAPI:
    """The host product's ASGI app; ``transport`` replaces real HTTP to Inset (tests)."""
    inset_origin = _origin(config.inset_public_url)
    default_origin = config.parent_origins[0]

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with httpx.AsyncClient(follow_redirects=False, transport=transport) as client:
            app.state.inset = client
            yield

    app = FastAPI(
        title="Northwind Marketplace (Inset demo host)",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )

    def page(text: str, status: int = 200) -> HTMLResponse:
        return HTMLResponse(
            text,
            status_code=status,
            headers={
                "Content-Security-Policy": content_security_policy(inset_origin),
                "Cache-Control": "no-store",
                "Referrer-Policy": "no-referrer",
                "X-Content-Type-Options": "nosniff",
            },
        )

    def parent_origin_of(request: Request) -> str:
        """The origin the browser sees this page at, when the app allows it."""
        seen = f"{request.url.scheme}://{request.headers.get('host', '')}".lower()
        return seen if seen in config.parent_origins else default_origin

    @app.get("/", include_in_schema=False)
    async def index(request: Request) -> Response:
        supplier_param = request.query_params.get("supplier")
        if request.query_params.get("staff"):
            login = staff_login()
        elif supplier_param is not None:
            supplier = next((s for s in SUPPLIERS if str(s.id) == supplier_param), None)
            if supplier is None:
                return page(render_message("Unknown supplier", "No supplier has that number."), 404)
            login = supplier_login(supplier)
        else:
            return page(render_index())
        client: httpx.AsyncClient = request.app.state.inset
        result = await mint_embed_url(client, config, login, parent_origin_of(request))
        status = 200 if result.embed_url else 502
        return page(render_portal(login, result, inset_origin), status)

    @app.middleware("http")
    async def _nosniff(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok"})

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
