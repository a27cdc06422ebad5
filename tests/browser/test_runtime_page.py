"""The HTML of the app page and the notice pages (src/inset/runtime/page.py). No browser:
plain string checks of what the strict CSP and the runtime rely on."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from inset.runtime.page import (
    RUNTIME_MODULES,
    json_for_script,
    render_app_page,
    render_error_page,
    render_session_ended_page,
)

STATIC = Path(__file__).resolve().parents[2] / "src" / "inset" / "runtime" / "static"
BOOT = re.compile(r'<script type="application/json" id="inset-boot">(.*?)</script>', re.S)
NOTICE = re.compile(r'<script type="application/json" id="inset-notice">(.*?)</script>', re.S)

NASTY = "</script><script>alert(1)</script><!-- & \u2028\u2029 é 😀"


def boot(**extra: object) -> dict[str, object]:
    value: dict[str, object] = {
        "mode": "cookieless",
        "sessionToken": "inss_abc",
        "sessionId": "s-1",
        "apiBase": "/api/runtime",
        "parentOrigin": "https://host.example",
        "page": None,
    }
    value.update(extra)
    return value


def test_json_for_script_cannot_close_the_tag_and_round_trips() -> None:
    text = json_for_script({"x": NASTY, NASTY: [1, None, True]})
    for bad in ("<", ">", "&", "\u2028", "\u2029"):
        assert bad not in text
    assert json.loads(text) == {"x": NASTY, NASTY: [1, None, True]}


def test_app_page_structure() -> None:
    html = render_app_page(boot(page=NASTY), asset_version="1.2.3")
    assert html.startswith("<!doctype html>\n")
    assert '<meta charset="utf-8">' in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert '<link rel="stylesheet" href="/static/runtime.css?v=1.2.3">' in html
    assert '<script type="module" src="/static/runtime.js?v=1.2.3"></script>' in html
    assert '<div id="app">' in html
    assert "<noscript>" in html
    match = BOOT.search(html)
    assert match is not None
    assert json.loads(match.group(1)) == boot(page=NASTY)
    assert html.count("</script>") == 2, "the boot JSON never closes its tag"


def test_app_page_has_no_inline_script_or_style() -> None:
    html = render_app_page(boot(), asset_version="x")
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S)
    for attrs, content in scripts:
        if 'type="application/json"' in attrs:
            continue
        assert "src=" in attrs and content == "", "executable scripts are external only"
    assert "<style" not in html
    assert " style=" not in html
    assert re.search(r"\son[a-z]+=", html) is None, "no inline event handlers"


def test_asset_version_is_escaped() -> None:
    html = render_app_page(boot(), asset_version='1"><script>')
    assert '1"><script>' not in html
    assert "runtime.js?v=1%22%3E%3Cscript%3E" in html


def test_preloaded_modules_exist() -> None:
    for module in RUNTIME_MODULES:
        assert (STATIC / module).is_file(), module


@pytest.mark.parametrize(
    ("code", "title"),
    [
        ("embed_url_used", "This link has already been used"),
        ("embed_url_expired", "This link has expired"),
        ("embed_url_unknown", "This link isn&#x27;t valid"),
        ("something_else", "This app can&#x27;t be opened"),
    ],
)
def test_error_page(code: str, title: str) -> None:
    html = render_error_page(code, NASTY, "https://host.example", asset_version="9")
    assert f'<h1 class="inset-panel__title">{title}</h1>' in html
    assert "<script>alert(1)" not in html
    assert "&lt;/script&gt;&lt;script&gt;alert(1)" in html, "the message is shown, escaped"
    assert '<script type="module" src="/static/embed-error.js?v=9"></script>' in html
    match = NOTICE.search(html)
    assert match is not None
    assert json.loads(match.group(1)) == {
        "type": "inset:error",
        "code": code,
        "message": NASTY,
        "parentOrigin": "https://host.example",
    }


def test_error_page_without_parent_origin() -> None:
    html = render_error_page("embed_url_unknown", "Not valid.", None, asset_version="9")
    match = NOTICE.search(html)
    assert match is not None
    assert json.loads(match.group(1))["parentOrigin"] is None


@pytest.mark.parametrize("code", ["session_expired", "session_revoked"])
def test_ended_sessions_get_the_session_ended_page(code: str) -> None:
    html = render_error_page(code, "This session has expired.", None, asset_version="9")
    assert "Your session has ended" in html
    match = NOTICE.search(html)
    assert match is not None
    assert json.loads(match.group(1))["type"] == "inset:session-expired"


def test_session_ended_page() -> None:
    html = render_session_ended_page("https://host.example", asset_version="9")
    match = NOTICE.search(html)
    assert match is not None
    notice = json.loads(match.group(1))
    assert notice["type"] == "inset:session-expired"
    assert notice["code"] == "session_expired"
    assert notice["parentOrigin"] == "https://host.example"
