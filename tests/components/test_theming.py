"""Theming end to end: the app's theme at load, the host page changing it at run time
through the SDK (Inset.embed(...).setTheme), dark mode (colorScheme dark, and auto
following prefers-color-scheme) with readable contrast, and `inset validate` refusing bad
theme values with file:line."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Browser, Frame, Page, expect

from inset.apps.validation import check_app_dir

from .conftest import EXAMPLES, GALLERY_UUID

if TYPE_CHECKING:
    from tests.browser.conftest import Console

    from .conftest import Server

FEEDBACK_ROWS = "[data-component=feedbackTable] tbody tr"
SDK = Path(__file__).parents[2] / "sdk" / "js" / "inset-embed.js"
LIGHT_BG = "rgb(246, 247, 249)"
DARK_BG = "rgb(17, 20, 24)"


def _luminance(rgb: str) -> float:
    channels = [int(c) / 255 for c in re.findall(r"\d+", rgb)[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two rgb() colours."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def colours(target: Page | Frame) -> dict[str, str]:
    colours: dict[str, str] = target.evaluate(
        """() => { const body = getComputedStyle(document.body);
        const muted = document.querySelector('.inset-th, .inset-divider--label');
        return { background: body.backgroundColor, text: body.color,
                 muted: muted ? getComputedStyle(muted).color : body.color }; }"""
    )
    return colours


def assert_readable(found: dict[str, str]) -> None:
    assert contrast(found["text"], found["background"]) >= 7, found
    assert contrast(found["muted"], found["background"]) >= 4.5, found


def embed_with_sdk(page: Page, server: Server, embed_url: str) -> Frame:
    """The host product's page (on the host origin) embedding ``embed_url`` with the real
    SDK, Inset.embed(...) kept as window.inset; returns the app's frame once it shows."""
    page.goto(f"{server.host_origin}/host?src=about:blank")
    page.add_script_tag(content=SDK.read_text())
    page.evaluate(
        """(src) => { document.getElementById('inset').remove();
        const host = document.createElement('div'); host.id = 'host'; document.body.append(host);
        window.inset = Inset.embed('#host', { getEmbedUrl: () => src, minHeight: 600 }); }""",
        embed_url,
    )
    page.frame_locator("#host iframe").locator(FEEDBACK_ROWS).first.wait_for()
    frame = page.frames[-1]
    return frame


def test_host_changes_the_theme_at_run_time_through_the_sdk(
    server: Server, page: Page, console: Console
) -> None:
    embed = server.mint(GALLERY_UUID, "theme-user", ["gallery-users"], parent=True)
    frame = embed_with_sdk(page, server, embed)
    app = page.frame_locator("#host iframe")
    submit = app.get_by_role("button", name="Send feedback")
    expect(submit).to_have_css("background-color", "rgb(47, 91, 234)")  # the default
    expect(app.locator("html")).to_have_css("--inset-radius", "8px")  # the app's theme
    assert colours(frame)["background"] == LIGHT_BG

    page.evaluate(
        "inset.setTheme({primaryColor: '#d0021b', radius: 2, fontFamily: 'Georgia, serif',"
        " density: 'compact'})"
    )
    expect(submit).to_have_css("background-color", "rgb(208, 2, 27)")
    expect(submit).to_have_css("border-top-left-radius", "1.5px")  # radius-small: 0.75 x 2px
    expect(app.locator("body")).to_have_css("font-family", "Georgia, serif")
    expect(app.locator("html")).to_have_attribute("data-density", "compact")

    # Dark, then light again; invalid values are ignored, the rest still applies.
    page.evaluate("inset.setTheme({colorScheme: 'dark'})")
    expect(app.locator("body")).to_have_css("background-color", DARK_BG)
    assert_readable(colours(frame))
    expect(submit).to_have_css("background-color", "rgb(208, 2, 27)")  # primary kept
    page.evaluate(
        "inset.setTheme({colorScheme: 'light', primaryColor: 'url(javascript:alert(1))',"
        " textColor: 'rgb(10, 20, 30)'})"
    )
    expect(app.locator("body")).to_have_css("background-color", LIGHT_BG)
    expect(app.locator("body")).to_have_css("color", "rgb(10, 20, 30)")
    expect(submit).to_have_css("background-color", "rgb(208, 2, 27)")
    assert_readable(colours(frame))
    # The test host page greets its own (removed) about:blank frame: not the app's error.
    assert [e for e in console.errors if "Invalid target origin 'null'" not in e] == []


@pytest.mark.parametrize(("scheme", "background"), [("dark", DARK_BG), ("light", LIGHT_BG)])
def test_color_scheme_auto_follows_the_users_preference(
    server: Server, browser: Browser, scheme: str, background: str
) -> None:
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1000, "height": 700})  # type: ignore[arg-type]
    try:
        page = context.new_page()
        page.goto(server.mint(GALLERY_UUID, f"auto-{scheme}", ["gallery-users"]))
        page.locator(FEEDBACK_ROWS).first.wait_for()
        found = colours(page)
        assert found["background"] == background
        assert_readable(found)
        # A card (the table) stands out from the page in both schemes.
        surface = page.locator("[data-component=feedbackTable] .inset-table").evaluate(
            "el => getComputedStyle(el).backgroundColor"
        )
        assert surface != found["background"]
        assert contrast(found["text"], surface) >= 7
    finally:
        context.close()


def test_app_theme_page_colours_apply_to_the_light_scheme_only(
    server: Server, browser: Browser
) -> None:
    """An app's light page colours must not make dark mode unreadable (colorScheme auto)."""
    context = browser.new_context(color_scheme="dark")
    try:
        page = context.new_page()
        page.goto(server.mint(GALLERY_UUID, "auto-theme", ["gallery-users"]))
        page.locator(FEEDBACK_ROWS).first.wait_for()
        page.evaluate(
            "() => import('/static/theme.js').then(m => m.applyTheme("
            "{backgroundColor: '#ffffff', textColor: '#222222', colorScheme: 'auto'}))"
        )
        assert colours(page)["background"] == DARK_BG
        page.emulate_media(color_scheme="light")
        expect(page.locator("body")).to_have_css("background-color", "rgb(255, 255, 255)")
        expect(page.locator("body")).to_have_css("color", "rgb(34, 34, 34)")
    finally:
        context.close()


def _app_with_theme(tmp_path: Path, theme: str) -> Path:
    target = tmp_path / "component-gallery"
    shutil.copytree(EXAMPLES / "component-gallery", target)
    app_yaml = target / "app.yaml"
    text = app_yaml.read_text()
    text = re.sub(r"theme:\n(  .*\n)+", "theme:\n" + theme, text)
    app_yaml.write_text(text)
    return target


def test_validate_rejects_bad_theme_values_with_file_and_line(tmp_path: Path) -> None:
    folder = _app_with_theme(
        tmp_path,
        "  primaryColor: banana\n"
        "  backgroundColor: '#12345'\n"
        "  textColor: 'rgb(0, 0, 0)'\n"
        "  fontFamily: 'Inter; background: url(x)'\n"
        "  radius: 99\n"
        "  density: roomy\n"
        "  colorScheme: night\n"
        "  shadow: big\n",
    )
    lines = (folder / "app.yaml").read_text().splitlines()
    app, issues = check_app_dir(folder)
    assert app is None
    found = {(i.line, i.message.split(" '")[0].split(" must")[0]) for i in issues}

    def line_of(key: str) -> int:
        return next(n for n, text in enumerate(lines, 1) if text.strip().startswith(f"{key}:"))

    for key in ("primaryColor", "backgroundColor", "fontFamily", "radius", "density"):
        assert any(line == line_of(key) for line, _ in found), (key, issues)
    assert any(i.line == line_of("colorScheme") for i in issues)
    assert any(i.line == line_of("shadow") and "shadow" in i.message for i in issues)
    assert not any(i.line == line_of("textColor") for i in issues)
    assert all(i.file.endswith("app.yaml") for i in issues)
