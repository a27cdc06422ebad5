"""The browser runtime against a real `inset serve`: what the embedded external user sees,
and what the host page hears from it."""

from __future__ import annotations

import itertools
import json
import re
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import FrameLocator, Page, Request, expect

from tests.support.live import POST_RECORDER

if TYPE_CHECKING:
    from tests.browser.conftest import Console, LiveServer

pytestmark = pytest.mark.browser

BOOT = re.compile(r'<script type="application/json" id="inset-boot">(.*?)</script>', re.S)
ROWS = "table.inset-table__table tbody tr"


def host_messages(page: Page, type_: str | None = None) -> list[dict[str, Any]]:
    """Messages the host page received from the iframe: [{origin, data}]."""
    msgs: list[dict[str, Any]] = page.evaluate("window.msgs")
    if type_ is None:
        return msgs
    return [m for m in msgs if isinstance(m["data"], dict) and m["data"].get("type") == type_]


def wait_for_message(page: Page, type_: str) -> dict[str, Any]:
    page.wait_for_function(
        "type => window.msgs.some(m => m.data && m.data.type === type)", arg=type_
    )
    return host_messages(page, type_)[0]


def assert_clean(console: Console) -> None:
    """No uncaught errors and no CSP violations (network 4xx/5xx logs are allowed)."""
    assert console.errors == []
    assert console.csp_violations() == []


def open_app(page: Page, url: str) -> str:
    """Open an embed URL at top level; returns the session token the page was given."""
    response = page.goto(url)
    assert response is not None and response.status == 200
    match = BOOT.search(response.text())
    assert match, "the app page carries its boot block"
    token: str = json.loads(match.group(1)).get("sessionToken", "")
    page.locator(ROWS).first.wait_for()
    return token


def test_app_renders_components_and_rows(
    live_server: LiveServer, page: Page, console: Console
) -> None:
    open_app(page, live_server.mint())
    expect(page.get_by_role("heading", name="Stock on hand")).to_be_visible()
    # Plain text keeps its line break and is never parsed as HTML.
    assert page.locator(".inset-text").first.inner_text() == "Your products.\nOne line per SKU."
    expect(page.get_by_label("Search")).to_have_attribute("placeholder", "SKU or name")
    expect(page.locator(ROWS)).to_have_count(10)
    first = page.locator(ROWS).first.locator("td")
    expect(first).to_have_text(["SKU-001", "Nut 1", "37", "€1.50"])
    expect(page.locator(".inset-table__count")).to_have_text("1\u201310 of 25")
    # Only supplier 1's rows: current_user.metadata comes from the server, not the page.
    assert "OTHER-1" not in page.content()
    expect(page.get_by_role("tab", name="Stock")).to_have_attribute("aria-selected", "true")
    assert page.title() == "Runtime test"
    assert_clean(console)


def test_session_token_stays_in_memory(
    live_server: LiveServer, page: Page, console: Console
) -> None:
    token = open_app(page, live_server.mint())
    assert token.startswith("inss_")
    assert page.locator("#inset-boot").count() == 0, "the boot block is removed after reading"
    assert token not in page.content()
    storage = page.evaluate(
        "() => JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage),"
        " document.cookie, location.href])"
    )
    assert token not in storage
    assert page.context.cookies() == []
    assert_clean(console)


def test_requests_send_the_bearer_token(live_server: LiveServer, page: Page) -> None:
    seen: list[Request] = []
    page.on("request", lambda r: seen.append(r) if "/api/runtime/" in r.url else None)
    token = open_app(page, live_server.mint())
    assert seen, "the runtime called the API"
    for request in seen:
        assert request.headers.get("authorization") == f"Bearer {token}"
        assert request.headers.get("content-type") == "application/json"
        assert token not in request.url


def test_search_reruns_the_query_once_per_pause(live_server: LiveServer, page: Page) -> None:
    runs: list[str] = []
    page.on(
        "request",
        lambda r: runs.append(r.post_data or "") if "/queries/stock/run" in r.url else None,
    )
    open_app(page, live_server.mint())
    assert len(runs) == 1
    page.get_by_label("Search").press_sequentially("Gear", delay=40)
    expect(page.locator(ROWS)).to_have_count(5)
    assert [json.loads(body)["params"] for body in runs] == [{"search": ""}, {"search": "Gear"}]
    expect(page.locator(ROWS).first.locator("td").nth(1)).to_have_text("Gear 2")
    expect(page.locator(".inset-table__footer")).to_have_count(0)


def test_paging_sorting_and_keyboard_selection(
    live_server: LiveServer, page: Page, console: Console
) -> None:
    open_app(page, live_server.mint())
    page.get_by_role("button", name="Next page").click()
    expect(page.locator(".inset-table__count")).to_have_text("11\u201320 of 25")
    expect(page.locator(ROWS).first.locator("td").first).to_have_text("SKU-011")
    page.get_by_role("button", name="Previous page").click()

    page.get_by_role("button", name="Quantity").click()
    header = page.locator("th", has_text="Quantity")
    expect(header).to_have_attribute("aria-sort", "ascending")
    quantities = [int(t) for t in page.locator(f"{ROWS} td:nth-child(3)").all_inner_texts()]
    assert quantities == sorted(quantities)
    page.get_by_role("button", name="Quantity").click()
    expect(header).to_have_attribute("aria-sort", "descending")
    quantities = [int(t) for t in page.locator(f"{ROWS} td:nth-child(3)").all_inner_texts()]
    assert quantities == sorted(quantities, reverse=True)

    # Keyboard: focus the first row, move down, select with Enter.
    page.locator(ROWS).first.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    second = page.locator(ROWS).nth(1)
    expect(second).to_have_attribute("aria-selected", "true")
    sku = second.locator("td").first.inner_text()
    expect(page.locator(".inset-stat__value")).to_have_text(sku)
    # Selection by click too.
    page.locator(ROWS).nth(3).click()
    expect(page.locator(ROWS).nth(3)).to_have_attribute("aria-selected", "true")
    expect(second).to_have_attribute("aria-selected", "false")
    assert_clean(console)


def test_failed_query_shows_its_message_in_place(
    live_server: LiveServer, page: Page, console: Console
) -> None:
    open_app(page, live_server.mint())
    page.get_by_role("tab", name="Broken").click()
    expect(page.get_by_role("heading", name="Broken page")).to_be_visible()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Couldn't load this table")
    message = alert.locator(".inset-state__message").inner_text()
    assert message.strip(), "a readable message, not a blank"
    assert "no_such_table" not in message.lower() or "sqlite" not in message.lower()
    expect(alert.get_by_role("button", name="Try again")).to_be_visible()
    assert console.errors == []


def test_multi_page_navigation_records_page_views(live_server: LiveServer, page: Page) -> None:
    events: list[dict[str, Any]] = []
    page.on(
        "request",
        lambda r: (
            events.append(json.loads(r.post_data or "{}")) if r.url.endswith("/events") else None
        ),
    )
    open_app(page, live_server.mint())
    page.get_by_role("tab", name="Broken").click()
    expect(page.get_by_role("tab", name="Broken")).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowLeft")
    expect(page.get_by_role("tab", name="Stock")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("tab", name="Stock")).to_be_focused()
    page.wait_for_timeout(200)
    assert events == [
        {"type": "page.viewed", "page": "stock"},
        {"type": "page.viewed", "page": "broken"},
        {"type": "page.viewed", "page": "stock"},
    ]


def test_initial_page_from_the_embed_call(live_server: LiveServer, page: Page) -> None:
    page.goto(live_server.mint(pageName="broken"))
    expect(page.get_by_role("heading", name="Broken page")).to_be_visible()
    expect(page.get_by_role("tab", name="Broken")).to_have_attribute("aria-selected", "true")


def frame_of(page: Page) -> FrameLocator:
    return page.frame_locator("#inset")


def test_embedded_app_talks_only_to_its_pinned_parent(
    live_server: LiveServer, page: Page, console: Console
) -> None:
    url = live_server.mint(parentOrigin=live_server.host_origin)
    page.goto(live_server.host_url(url))
    ready = wait_for_message(page, "inset:ready")
    assert ready == {
        "origin": live_server.base_url,
        "data": {"type": "inset:ready", "version": 1, "page": "stock"},
    }
    frame = frame_of(page)
    frame.locator(ROWS).first.wait_for()
    page.wait_for_function(
        "() => window.msgs.some(m => m.data.type === 'inset:resize' && m.data.height > 500)"
    )
    heights = [m["data"]["height"] for m in host_messages(page, "inset:resize")]
    assert all(a != b for a, b in itertools.pairwise(heights)), "deduplicated"
    # The host resizes the iframe to the reported height: no inner scrollbar.
    frame_height = page.evaluate("document.getElementById('inset').clientHeight")
    assert frame_height == heights[-1]

    frame.get_by_role("tab", name="Broken").click()
    navigate = wait_for_message(page, "inset:navigate")
    assert navigate["data"] == {"type": "inset:navigate", "version": 1, "page": "broken"}
    # Host -> app: inset:navigate from the pinned parent is obeyed.
    page.evaluate(
        "origin => document.getElementById('inset').contentWindow.postMessage("
        "{type: 'inset:navigate', page: 'stock'}, origin)",
        live_server.base_url,
    )
    expect(frame.get_by_role("tab", name="Stock")).to_have_attribute("aria-selected", "true")

    assert {m["origin"] for m in host_messages(page)} == {live_server.base_url}
    for message in host_messages(page):
        assert "inss_" not in json.dumps(message)
    assert_clean(console)


def test_revoked_session_shows_ended_panel_and_tells_the_host(
    live_server: LiveServer, page: Page
) -> None:
    url = live_server.mint("revoke-me", parentOrigin=live_server.host_origin)
    page.goto(live_server.host_url(url))
    wait_for_message(page, "inset:ready")
    frame = frame_of(page)
    frame.locator(ROWS).first.wait_for()
    live_server.revoke("revoke-me")
    frame.get_by_role("button", name="Refresh").click()
    expect(frame.get_by_role("heading", name="Your session has ended")).to_be_visible()
    expired = wait_for_message(page, "inset:session-expired")
    assert expired["origin"] == live_server.base_url
    assert expired["data"]["reason"] == "session_revoked"
    expect(frame.locator(ROWS)).to_have_count(0)


def test_used_link_shows_a_message_and_tells_the_host(live_server: LiveServer, page: Page) -> None:
    url = live_server.mint(parentOrigin=live_server.host_origin)
    open_app(page, url)  # redeems it
    page.goto(live_server.host_url(url))
    error = wait_for_message(page, "inset:error")
    assert error["origin"] == live_server.base_url
    assert error["data"]["code"] == "embed_url_used"
    assert set(error["data"]) == {"type", "version", "code", "message"}
    expect(frame_of(page).get_by_role("heading")).to_have_text("This link has already been used")


def test_error_page_without_a_known_origin_answers_only_the_hello(
    live_server: LiveServer, page: Page
) -> None:
    # An unknown cookie-mode session has no pinned parent origin: the page must not post
    # to "*", only answer the host SDK's inset:hello, to the origin that sent it.
    page.context.add_init_script(POST_RECORDER % live_server.base_url)
    page.goto(live_server.host_url(f"{live_server.base_url}/embed/s/no-such-session"))
    error = wait_for_message(page, "inset:error")
    assert error["origin"] == live_server.base_url
    assert error["data"]["code"] == "invalid_session"
    frame = next(f for f in page.frames if f.url.startswith(live_server.base_url))
    posts = frame.evaluate("window.__insetPosts")
    assert posts == [{"type": "inset:error", "targetOrigin": live_server.host_origin}]


def test_cookie_mode_sends_the_session_header(live_server: LiveServer, page: Page) -> None:
    seen: list[Request] = []
    page.on("request", lambda r: seen.append(r) if "/api/runtime/" in r.url else None)
    page.goto(live_server.mint(sessionMode="cookie"))
    page.locator(ROWS).first.wait_for()
    assert re.search(r"/embed/s/[0-9a-f-]+$", page.url)
    assert seen
    for request in seen:
        assert "authorization" not in request.headers
        assert request.headers.get("x-inset-session")


def test_small_screen_has_no_page_level_horizontal_scroll(
    live_server: LiveServer, page: Page
) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    open_app(page, live_server.mint())
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    expect(page.get_by_role("button", name="Next page")).to_be_in_viewport()
