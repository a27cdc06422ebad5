"""Our host-page SDK (`Inset.embed`, loaded from Inset's /sdk/inset-embed.js) against a real
server, in Chromium, with the host page and Inset on different origins and sites."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.sdk.conftest import SDK_CHROMIUM_ARGS, SdkServer
from tests.sdk.test_retool_compat import inset_frame, posts_of
from tests.support.live import CHROMIUM, POST_RECORDER

pytestmark = pytest.mark.browser


def embed_record(page: Page, user: str = "user-1") -> dict[str, Any]:
    record: dict[str, Any] = page.evaluate(
        "(u) => { const r = window.embeds[u]; "
        "return {events: r.events, errors: r.errors, mints: r.mints}; }",
        user,
    )
    return record


def events_named(page: Page, name: str, user: str = "user-1") -> list[dict[str, Any]]:
    return [e for e in embed_record(page, user)["events"] if e.get("name") == name]


def wait_event(page: Page, name: str, user: str = "user-1", count: int = 1) -> None:
    page.wait_for_function(
        "([u, n, c]) => window.embeds[u].events.filter(e => e.name === n).length >= c",
        arg=[user, name, count],
    )


def test_sdk_embed_data_theme_events_and_pinned_posts(
    open_page: Callable[..., Page], sdk_server: SdkServer
) -> None:
    page = open_page(sdk_server.host("sdk.html"))
    frame = inset_frame(page)
    wait_event(page, "ready")
    expect(frame.get_by_text("Customer: ACME")).to_be_visible()

    page.evaluate("window.embeds['user-1'].handle.setData({customerId: 'GLOBEX'})")
    expect(frame.get_by_text("Customer: GLOBEX")).to_be_visible()

    frame.get_by_role("button", name="Send to host").click()
    wait_event(page, "send_to_parent")
    assert events_named(page, "send_to_parent") == [
        {"name": "send_to_parent", "data": {"picked": "GLOBEX", "count": 2}}
    ]

    # The host navigates the app, and the app's own navigation is reported.
    page.evaluate("window.embeds['user-1'].handle.navigate('tall')")
    expect(frame.get_by_role("heading", name="The tall page")).to_be_visible()
    frame.get_by_role("button", name="Go home").click()
    wait_event(page, "navigate")
    assert events_named(page, "navigate")[-1]["page"] == "home"
    assert embed_record(page)["errors"] == []

    posts = posts_of(frame)
    types = {p["type"] for p in posts}
    assert {"inset:ready", "inset:resize", "inset:event", "PARENT_WINDOW_QUERY"} <= types
    assert {p["targetOrigin"] for p in posts} == {sdk_server.host_origin}
    # Every message the host got from Inset came from Inset's origin.
    origins = page.evaluate("[...new Set(window.allMsgs.map(m => m.origin))]")
    assert origins == [sdk_server.inset_url]


def test_server_serves_the_sdk_with_script_headers(
    open_page: Callable[..., Page], sdk_server: SdkServer
) -> None:
    page = open_page(sdk_server.host("sdk.html"))
    response = page.request.get(f"{sdk_server.inset_url}/sdk/inset-embed.js")
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["cross-origin-resource-policy"] == "cross-origin"
    assert page.evaluate("typeof Inset.embed") == "function"


def test_two_users_on_one_page_do_not_share_data_or_messages(
    open_page: Callable[..., Page], sdk_server: SdkServer
) -> None:
    page = open_page(sdk_server.host("sdk.html", users="user-1:1:ACME,user-2:2:GLOBEX"))
    first, second = inset_frame(page, 0), inset_frame(page, 1)
    expect(first.get_by_text("Customer: ACME")).to_be_visible()
    expect(second.get_by_text("Customer: GLOBEX")).to_be_visible()
    # Rows are per user (current_user.metadata.supplierId from each session).
    expect(first.get_by_text("SKU-001")).to_be_visible()
    expect(second.get_by_text("Another supplier's bolt")).to_be_visible()
    expect(first.get_by_text("Another supplier's bolt")).to_have_count(0)
    expect(second.get_by_text("SKU-001")).to_have_count(0)

    # Host data for one embed does not reach the other.
    page.evaluate("window.embeds['user-2'].handle.setData({customerId: 'INITECH'})")
    expect(second.get_by_text("Customer: INITECH")).to_be_visible()
    expect(first.get_by_text("Customer: ACME")).to_be_visible()

    # A message from one embed reaches only its own handle.
    second.get_by_role("button", name="Send to host").click()
    wait_event(page, "send_to_parent", user="user-2")
    page.wait_for_timeout(300)
    assert events_named(page, "send_to_parent", "user-1") == []
    assert events_named(page, "send_to_parent", "user-2")[0]["data"]["picked"] == "INITECH"


@pytest.mark.parametrize("intruder_origin", ["host", "other"])
def test_messages_from_another_window_or_origin_are_ignored(
    open_page: Callable[..., Page], sdk_server: SdkServer, intruder_origin: str
) -> None:
    page = open_page(sdk_server.host("sdk.html"))
    frame = inset_frame(page)
    wait_event(page, "ready")
    expect(frame.get_by_text("Customer: ACME")).to_be_visible()
    query_id = page.evaluate(
        "window.allMsgs.find(m => m.data && m.data.type === 'PARENT_WINDOW_QUERY').data.id"
    )
    origin = sdk_server.host_origin if intruder_origin == "host" else sdk_server.other_origin
    page.evaluate(
        "(src) => { const f = document.createElement('iframe'); f.src = src; "
        "document.body.appendChild(f); }",
        f"{origin}/intruder.html",
    )
    page.wait_for_function("window.allMsgs.some(m => m.data && m.data.type === 'intruder-ready')")
    forged = [
        {"type": "PARENT_WINDOW_RESULT", "id": query_id, "result": "EVIL", "pageName": "home"},
        {"type": "inset:data", "version": 1, "data": {"customerId": "EVIL"}},
        {"type": "inset:navigate", "version": 1, "page": "tall"},
        {"type": "inset:theme", "version": 1, "theme": {"primaryColor": "#ff0000"}},
    ]
    page.evaluate(
        "(messages) => document.querySelectorAll('iframe')[1].contentWindow.postMessage("
        "{type: 'attack', frameIndex: 0, messages}, '*')",
        forged,
    )
    page.wait_for_function("window.allMsgs.some(m => m.data && m.data.type === 'attack-done')")
    page.wait_for_timeout(500)
    expect(frame.get_by_text("Customer: ACME")).to_be_visible()
    expect(frame.get_by_text("Customer: EVIL")).to_have_count(0)
    expect(frame.get_by_role("heading", name="SDK test home")).to_be_visible()
    # The real host still drives it.
    page.evaluate("window.embeds['user-1'].handle.setData({customerId: 'REAL'})")
    expect(frame.get_by_text("Customer: REAL")).to_be_visible()


def test_revoked_session_reports_and_sdk_remints_on_same_page(
    open_page: Callable[..., Page], sdk_server: SdkServer
) -> None:
    user = "revoke-me"
    page = open_page(sdk_server.host("sdk.html", users=f"{user}:1:ACME"))
    frame = inset_frame(page)
    wait_event(page, "ready", user=user)
    frame.get_by_role("button", name="Go tall").click()
    wait_event(page, "navigate", user=user)

    assert sdk_server.revoke(user) >= 1
    # The user's next request fails; the host hears why, and the SDK mints again.
    frame.get_by_role("button", name="Reload products").click()
    wait_event(page, "session-expired", user=user)
    assert events_named(page, "session-expired", user)[0]["reason"] == "session_revoked"
    wait_event(page, "ready", user=user, count=2)
    mints = embed_record(page, user)["mints"]
    assert mints[0] == {"page": None, "reason": "initial"}
    assert mints[1]["reason"] == "session_revoked"
    # The app comes back where the user was.
    assert mints[1]["page"] == "tall"
    frame = page.locator("iframe").first.content_frame
    expect(frame.get_by_role("heading", name="The tall page")).to_be_visible()
    frame.get_by_role("button", name="Go home").click()
    expect(frame.get_by_text("Customer: ACME")).to_be_visible()
    assert embed_record(page, user)["errors"] == []


def test_used_link_is_reminted_and_refused_remint_is_a_clear_error(
    open_page: Callable[..., Page], sdk_server: SdkServer
) -> None:
    user = "reload-me"
    page = open_page(sdk_server.host("sdk.html", users=f"{user}:1:ACME"))
    frame = inset_frame(page)
    wait_event(page, "ready", user=user)
    # Reloading the iframe replays its single-use URL: the SDK mints a fresh one.
    frame.evaluate("location.reload()")
    wait_event(page, "ready", user=user, count=2)
    assert embed_record(page, user)["mints"][1]["reason"] == "embed_url_used"

    # When the host backend refuses to mint (say the user lost access), onError says so.
    sdk_server.config.mint_fail.add(user)
    try:
        assert sdk_server.revoke(user) >= 1
        again = page.locator("iframe").first.content_frame
        again.get_by_role("button", name="Reload products").click()
        page.wait_for_function("(u) => window.embeds[u].errors.length > 0", arg=user)
        errors = embed_record(page, user)["errors"]
        assert errors[0]["code"] == "get_embed_url_failed"
        assert events_named(page, "session-expired", user)[-1]["reason"] == "session_revoked"
    finally:
        sdk_server.config.mint_fail.discard(user)


def test_auto_height_grows_and_shrinks_without_inner_scrollbar(
    open_page: Callable[..., Page], sdk_server: SdkServer
) -> None:
    page = open_page(sdk_server.host("sdk.html"))
    frame = inset_frame(page)
    wait_event(page, "ready")
    expect(frame.get_by_text("SKU-001")).to_be_visible()
    iframe = page.locator("iframe").first

    def settled_height() -> int:
        page.wait_for_function(
            """() => { const f = document.querySelector('iframe');
            const h = f.getBoundingClientRect().height;
            const ok = window.__lastH === h; window.__lastH = h; return ok && h > 150; }""",
            polling=250,
        )
        box = iframe.bounding_box()
        assert box is not None
        return round(box["height"])

    def no_inner_scrollbar() -> None:
        sizes = frame.evaluate(
            "({scroll: document.documentElement.scrollHeight, "
            "client: document.documentElement.clientHeight, inner: window.innerHeight})"
        )
        assert sizes["scroll"] <= sizes["client"], sizes

    small = settled_height()
    no_inner_scrollbar()
    frame.get_by_role("button", name="Go tall").click()
    expect(frame.get_by_text("SKU-025")).to_be_visible()
    tall = settled_height()
    assert tall > small + 300, (small, tall)
    no_inner_scrollbar()
    frame.get_by_role("button", name="Go home").click()
    expect(frame.get_by_text("Customer: ACME")).to_be_visible()
    back = settled_height()
    assert back < tall - 300, (back, tall)
    no_inner_scrollbar()


@pytest.fixture
def blocked_cookies_browser(sdk_browser: Browser) -> Any:
    """Chromium with third-party cookies blocked (`--test-third-party-cookie-phaseout`)."""
    browser = sdk_browser.browser_type.launch(
        executable_path="/usr/bin/chromium",
        args=[*SDK_CHROMIUM_ARGS, "--test-third-party-cookie-phaseout"],
    )
    try:
        yield browser
    finally:
        browser.close()


def open_cookie_probe(page: Page, sdk_server: SdkServer) -> Locator:
    """A frame on another origin that sets a plain third-party cookie and says whether it
    came back (its text: "probe cookie: kept" or "probe cookie: refused")."""
    page.evaluate(
        "(src) => { const f = document.createElement('iframe'); f.src = src; "
        "document.body.appendChild(f); }",
        f"{sdk_server.other_origin}/cookie-probe",
    )
    return page.frame_locator("iframe[src$='/cookie-probe']").locator("#r")


@pytest.mark.parametrize("mode", ["cookieless", "cookie"])
def test_embed_works_with_third_party_cookies_blocked(
    blocked_cookies_browser: Browser, sdk_server: SdkServer, mode: str
) -> None:
    """Cookieless needs no cookie at all; cookie mode's cookie is Partitioned (CHIPS), which
    Chromium keeps even when it refuses plain third-party cookies (the probe shows it does)."""
    context = blocked_cookies_browser.new_context()
    context.add_init_script(POST_RECORDER % sdk_server.inset_url)
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        # The setting is in force: a frame on Inset's site cannot keep a plain cookie.
        page.goto(sdk_server.host("sdk.html", users=f"probe-{mode}:1:ACME", mode=mode))
        probe = open_cookie_probe(page, sdk_server)
        expect(probe).to_have_text("probe cookie: refused")

        frame = inset_frame(page)
        expect(frame.get_by_text("Customer: ACME")).to_be_visible()
        expect(frame.get_by_text("SKU-001")).to_be_visible()
        frame.get_by_role("button", name="Reload products").click()
        frame.get_by_role("button", name="Go tall").click()
        expect(frame.get_by_text("SKU-025")).to_be_visible()
        assert embed_record(page, f"probe-{mode}")["errors"] == []
        assert embed_record(page, f"probe-{mode}")["mints"] == [{"page": None, "reason": "initial"}]
    finally:
        context.close()


def test_cookie_probe_sees_its_cookie_when_third_party_cookies_are_allowed(
    sdk_browser: Browser, sdk_server: SdkServer, tmp_path: Path
) -> None:
    """The probe above can fail: in a profile that allows third-party cookies (Chromium
    blocks them by default now, with or without the phase-out flag) it keeps its cookie."""
    profile = tmp_path / "profile"
    (profile / "Default").mkdir(parents=True)
    allow = {"profile": {"cookie_controls_mode": 0, "block_third_party_cookies": False}}
    (profile / "Default" / "Preferences").write_text(json.dumps(allow))
    context = sdk_browser.browser_type.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        args=[*SDK_CHROMIUM_ARGS, "--disable-features=TrackingProtection3pcd"],
    )
    try:
        page = context.new_page()
        page.goto(sdk_server.host("sdk.html", users="probe-allowed:1:ACME"))
        probe = open_cookie_probe(page, sdk_server)
        expect(probe).to_have_text("probe cookie: kept")
    finally:
        context.close()


def test_react_component_embeds_and_follows_data(
    open_page: Callable[..., Page], sdk_server: SdkServer
) -> None:
    page = open_page(sdk_server.host("inset-react.html"))
    frame = inset_frame(page)
    expect(frame.get_by_text("Customer: ACME")).to_be_visible()
    page.wait_for_function("window.events.some(e => e.name === 'ready')")
    page.evaluate("window.setHostData({customerId: 'GLOBEX'})")
    expect(frame.get_by_text("Customer: GLOBEX")).to_be_visible()
    frame.get_by_role("button", name="Send to host").click()
    page.wait_for_function("window.events.some(e => e.name === 'send_to_parent')")
    sent = page.evaluate("window.events.filter(e => e.name === 'send_to_parent')")
    assert sent == [{"name": "send_to_parent", "data": {"picked": "GLOBEX", "count": 2}}]
    assert page.locator("iframe").count() == 1


def test_expired_session_is_reminted_on_the_same_page(
    sdk_browser: Browser, sdk_server: SdkServer
) -> None:
    """A one-minute session: the runtime ends it at expiresAt (the clock is fast-forwarded),
    tells the host, and the SDK brings the app back through getEmbedUrl."""
    user = "expire-me"
    context = sdk_browser.new_context()
    context.clock.install()
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(sdk_server.host("sdk.html", users=f"{user}:1:ACME", minutes="1"))
        frame = inset_frame(page)
        wait_event(page, "ready", user=user)
        frame.get_by_role("button", name="Go tall").click()
        wait_event(page, "navigate", user=user)
        page.clock.fast_forward(61_000)
        wait_event(page, "session-expired", user=user)
        assert events_named(page, "session-expired", user)[0]["reason"] == "session_expired"
        wait_event(page, "ready", user=user, count=2)
        assert embed_record(page, user)["mints"][1] == {"page": "tall", "reason": "session_expired"}
        again = page.locator("iframe").first.content_frame
        expect(again.get_by_role("heading", name="The tall page")).to_be_visible()
        expect(again.get_by_text("SKU-001")).to_be_visible()
    finally:
        context.close()
