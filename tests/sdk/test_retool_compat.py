"""The unmodified Retool SDKs (`@tryretool/retool-embed` 1.4.0 and `react-retool` 1.4.0 from
npm) embed an Inset app: the host's data reaches parent queries and updates them, a
button's send_to_parent reaches onData, and onData sees nothing else (no inset:*)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Frame, Page, expect

from tests.sdk.conftest import SdkServer

pytestmark = pytest.mark.browser


def inset_frame(page: Page, index: int = 0) -> Frame:
    """The index-th iframe's Frame once it shows the app."""
    page.wait_for_function(f"document.querySelectorAll('iframe').length > {index}")
    handle = page.locator("iframe").nth(index).element_handle()
    assert handle is not None
    frame = handle.content_frame()
    assert frame is not None
    expect(frame.get_by_role("heading", name="SDK test home")).to_be_visible()
    return frame


def posts_of(frame: Frame) -> list[dict[str, str]]:
    posts: list[dict[str, str]] = frame.evaluate("window.__insetPosts || []")
    return posts


@pytest.mark.parametrize("host_page", ["retool-embed.html", "react-retool.html"])
def test_retool_sdk_host_gets_data_updates_and_send_to_parent(
    open_page: Callable[..., Page], sdk_server: SdkServer, host_page: str
) -> None:
    page = open_page(sdk_server.host(host_page))
    frame = inset_frame(page)
    # Parent query answered by the Retool SDK from its `data`.
    expect(frame.get_by_text("Customer: ACME")).to_be_visible()

    # Changing the host's data updates the app (PARENT_WINDOW_RESULT again).
    page.evaluate("window.setHostData({customerId: 'GLOBEX'})")
    expect(frame.get_by_text("Customer: GLOBEX")).to_be_visible()

    # send_to_parent reaches onData as the plain value.
    frame.get_by_role("button", name="Send to host").click()
    page.wait_for_function("window.onDataCalls.length > 0")
    page.wait_for_timeout(300)  # anything else that would arrive, arrives
    calls: list[Any] = page.evaluate("window.onDataCalls")
    # onData received exactly what the app sent: no inset:ready/resize/navigate noise.
    assert calls == [{"picked": "GLOBEX", "count": 2}]

    # Every post from the runtime went to the pinned origin, none to "*".
    posts = posts_of(frame)
    assert posts, "the recorder saw no posts"
    assert {p["targetOrigin"] for p in posts} == {sdk_server.host_origin}
    assert not [p for p in posts if p["type"].startswith("inset:")]


def test_intruder_hello_does_not_unlock_inset_messages_for_retool_host(
    open_page: Callable[..., Page], sdk_server: SdkServer
) -> None:
    """A sibling frame saying inset:hello must not make the runtime talk to a Retool host."""
    page = open_page(sdk_server.host("retool-embed.html"))
    frame = inset_frame(page)
    page.evaluate(
        """(src) => { const f = document.createElement('iframe'); f.src = src;
        document.body.appendChild(f); }""",
        f"{sdk_server.host_origin}/intruder.html",
    )
    page.wait_for_function("window.allMsgs.some(m => m.data && m.data.type === 'intruder-ready')")
    page.evaluate(
        """() => { const f = document.querySelectorAll('iframe')[1];
        f.contentWindow.postMessage({type: 'attack', frameIndex: 0, messages: [
          {type: 'inset:hello', version: 1}]}, '*'); }"""
    )
    page.wait_for_function("window.allMsgs.some(m => m.data && m.data.type === 'attack-done')")
    frame.get_by_role("button", name="Go tall").click()
    frame.get_by_role("button", name="Go home").click()
    frame.get_by_role("button", name="Send to host").click()
    page.wait_for_function("window.onDataCalls.length > 0")
    page.wait_for_timeout(300)
    assert page.evaluate("window.onDataCalls") == [{"picked": "ACME", "count": 2}]
