"""The component gallery (examples/component-gallery) in Chromium: each component's main
interaction, checked by its effect (a row written, a binding updated, focus moved)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, Request, expect

from .conftest import GALLERY_UUID

if TYPE_CHECKING:
    from tests.browser.conftest import Console

    from .conftest import Server

pytestmark = pytest.mark.browser

FEEDBACK_ROWS = "[data-component=feedbackTable] tbody tr"


def open_gallery(page: Page, server: Server, external_id: str = "gallery-user") -> None:
    page.goto(server.mint(GALLERY_UUID, external_id, ["gallery-users"]))
    page.locator(FEEDBACK_ROWS).first.wait_for()


def field(name: str) -> str:
    return f"#inset-feedbackForm-{name}"


def assert_clean(console: Console) -> None:
    assert console.errors == []
    assert console.csp_violations() == []


def test_form_validation_blocks_submit_then_saves_a_row(
    server: Server, page: Page, console: Console
) -> None:
    embed = server.mint(GALLERY_UUID, "form-user", ["gallery-users"], parent=True)
    page.goto(server.host_url(embed))
    app = page.frame_locator("#inset")
    rows = app.locator(FEEDBACK_ROWS)
    expect(rows).to_have_count(1)
    writes: list[str] = []
    page.on("request", lambda r: writes.append(r.url) if "add_feedback" in r.url else None)

    # Empty submit: blocked, every required field says why, focus on the first.
    app.get_by_role("button", name="Send feedback").click()
    expect(app.get_by_role("alert")).to_contain_text("Fix the 6 fields")
    expect(app.locator(field("name"))).to_be_focused()
    expect(app.locator(field("name"))).to_have_attribute("aria-invalid", "true")
    expect(app.locator("#inset-feedbackForm-name-error")).to_have_text("Enter name.")
    expect(app.locator("#inset-feedbackForm-agree-error")).to_contain_text("Tick")

    # Pattern, email and bounds messages.
    app.locator(field("name")).fill("Grace")
    app.locator(field("email")).fill("grace@")
    app.locator(field("code")).fill("abc-1")
    app.locator(field("rating")).fill("9")
    expect(app.locator("#inset-feedbackForm-email-error")).to_contain_text("email address")
    expect(app.locator("#inset-feedbackForm-code-error")).to_have_text(
        "Use three capital letters, a dash and three digits, like ABC-123."
    )
    expect(app.locator("#inset-feedbackForm-rating-error")).to_have_text("Enter 5 or less.")
    app.get_by_role("button", name="Send feedback").click()
    assert writes == [], "an invalid form never runs its write query"

    app.locator(field("email")).fill("grace@example.com")
    app.locator(field("code")).fill("GRH-042")
    app.locator(field("rating")).fill("4")
    app.locator(field("topic")).select_option(label="Billing")
    app.locator(field("visit_on")).fill("2026-04-01")
    app.get_by_role("checkbox", name="Quality").check()
    app.get_by_role("switch", name="Send me the monthly newsletter").check()
    app.get_by_role("checkbox", name="I agree to be contacted about this feedback").check()
    expect(app.locator(".inset-form__summary")).to_have_count(0)
    app.get_by_role("button", name="Send feedback").click()

    # The write ran, the table re-read, the toast thanked, the host heard about it.
    expect(rows).to_have_count(2)
    expect(rows.first.locator("td")).to_have_text(
        ["Grace", "billing", "4", "Apr 1, 2026", "Quality", "Yes"], use_inner_text=True
    )
    expect(app.locator(".inset-toast")).to_contain_text("Thanks, Grace!")
    # send_to_parent: a plain message for Retool's SDKs, inset:event once the host said hello.
    sent = page.wait_for_function(
        """() => window.msgs.map(m => m.data).map(d => d && d.type === 'inset:event' ? d.data : d)
        .find(d => d && d.type === 'feedback-saved')"""
    ).json_value()
    assert sent == {"type": "feedback-saved", "name": "Grace"}
    # resetOnSubmit: the fields are empty again, with no errors shown.
    expect(app.locator(field("name"))).to_have_value("")
    expect(app.locator(".inset-field__error")).to_have_count(0)
    assert_clean(console)


def test_reset_clears_the_form(server: Server, page: Page) -> None:
    open_gallery(page, server)
    page.locator(field("name")).fill("Zed")
    page.get_by_role("switch", name="Send me the monthly newsletter").check()
    page.get_by_role("button", name="Reset").click()
    expect(page.locator(field("name"))).to_have_value("")
    expect(page.get_by_role("switch", name="Send me the monthly newsletter")).not_to_be_checked()


def test_select_from_a_query_filters_and_updates_bound_text(
    server: Server, page: Page, console: Console
) -> None:
    open_gallery(page, server)
    summary = page.locator("[data-component=pickSummary]")
    products = page.locator("[data-component=productTable] tbody tr")
    expect(products).to_have_count(6)
    expect(summary).to_contain_text("Category: all")
    category = page.get_by_label("Category", exact=True)
    expect(category.locator("option")).to_have_count(4)  # placeholder + 3 from the query
    category.select_option(label="Garden")
    expect(summary).to_contain_text("Category: Garden")
    expect(products).to_have_count(2)  # the products query re-ran with the new param
    expect(products.first.locator("td").first).to_have_text("Rake")

    # checkbox -> a query param; switch -> visibility; set action -> back to all.
    page.get_by_role("checkbox", name="Under €25 only").check()
    expect(summary).to_contain_text("cheap only: yes")
    expect(products).to_have_count(1)
    page.get_by_role("button", name="Show all categories").click()
    expect(category).to_have_value("-1")
    expect(products).to_have_count(4)
    page.get_by_role("switch", name="Show prices").uncheck()
    expect(page.locator("[data-component=productTable]")).to_have_count(0)

    # multiselect and date input.
    expect(summary).to_contain_text("tags: New")
    page.get_by_role("group", name="Tags").get_by_role("checkbox", name="Eco").check()
    expect(summary).to_contain_text("tags: New, Eco")
    page.get_by_label("From").fill("2026-02-03")
    expect(summary).to_contain_text("from 2026-02-03")
    assert_clean(console)


def test_tabs_switch_with_the_keyboard_and_markdown_is_safe(
    server: Server, page: Page, console: Console
) -> None:
    open_gallery(page, server)
    page.get_by_role("button", name="Next: layout →").click()
    tablist = page.locator("[data-component=sections] [role=tablist]")
    overview = tablist.get_by_role("tab", name="Overview")
    expect(overview).to_have_attribute("aria-selected", "true")
    expect(
        page.get_by_role("img", name="Inset logo, a blue square with a white frame")
    ).to_be_visible()
    overview.focus()
    page.keyboard.press("ArrowRight")
    notes = tablist.get_by_role("tab", name="Notes")
    expect(notes).to_have_attribute("aria-selected", "true")
    expect(notes).to_be_focused()
    page.keyboard.press("End")
    expect(tablist.get_by_role("tab", name="Help")).to_be_focused()
    page.keyboard.press("ArrowRight")  # wraps around
    expect(overview).to_be_focused()
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    expect(notes).to_have_attribute("aria-selected", "true")

    # Markdown from data: bold and a safe link render; HTML stays text.
    one = page.locator("[data-component=noteOne]")
    expect(one.locator("strong")).to_have_text("Bold")
    expect(one.locator("em")).to_have_text("italic")
    link = one.get_by_role("link", name="link")
    expect(link).to_have_attribute("href", "https://example.com/docs")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    two = page.locator("[data-component=noteTwo]")
    expect(two).to_contain_text("<script>alert('x')</script> and <b>no HTML</b>")
    assert two.locator("script, b").count() == 0
    panel = page.locator("[data-component=sections] [role=tabpanel]")
    expect(panel.get_by_role("link", name="safe links")).to_have_attribute(
        "href", "https://example.com"
    )
    expect(panel.get_by_text("unsafe links")).to_be_visible()
    assert panel.locator("a[href^='javascript']").count() == 0
    expect(panel.locator("pre")).to_have_text("code blocks stay as typed")
    assert_clean(console)


def test_modal_opens_traps_focus_closes_with_escape_and_returns_focus(
    server: Server, page: Page, console: Console
) -> None:
    open_gallery(page, server)
    page.get_by_role("button", name="Next: layout →").click()
    opener = page.get_by_role("button", name="Open details")
    expect(page.get_by_role("dialog")).to_have_count(0)
    opener.click()
    dialog = page.get_by_role("dialog", name="Details")
    expect(dialog).to_be_visible()
    expect(dialog).to_have_attribute("aria-modal", "true")
    close = dialog.get_by_role("button", name="Close")
    expect(close).to_be_focused()  # the first focusable element
    # Tab cycles inside the dialog: Close -> note -> Done -> Close.
    page.keyboard.press("Tab")
    expect(dialog.get_by_label("A note")).to_be_focused()
    page.keyboard.press("Tab")
    expect(dialog.get_by_role("button", name="Done")).to_be_focused()
    page.keyboard.press("Tab")
    expect(close).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(dialog.get_by_role("button", name="Done")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(opener).to_be_focused()
    expect(page.locator(".inset-toast")).to_contain_text("Details closed")  # on_close

    # close_modal from a button inside it.
    opener.click()
    page.get_by_role("dialog").get_by_role("button", name="Done").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(opener).to_be_focused()
    assert_clean(console)


def test_chart_js_loads_only_on_the_chart_page(
    server: Server, page: Page, console: Console
) -> None:
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url) if "/static/" in r.url else None)
    open_gallery(page, server)
    page.get_by_role("button", name="Next: layout →").click()
    expect(page.get_by_role("tab", name="Overview")).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert not [u for u in requested if "/vendor/chart" in u], "no Chart.js before a chart page"
    assert page.locator("canvas").count() == 0

    with page.expect_request(lambda r: isinstance(r, Request) and "chart.module.js" in r.url):
        page.get_by_role("button", name="Next: charts →").click()
    canvases = page.locator("canvas")
    expect(canvases).to_have_count(4)
    for kind in ("Bar", "Line", "Area", "Pie"):
        expect(page.get_by_role("img", name=f"{kind} chart", exact=False)).to_be_visible()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.inset-chart__box')]"
        ".every(b => b.getAttribute('aria-busy') === 'false')"
    )
    # Chart.js drew something: the canvas has non-transparent pixels.
    drawn = page.evaluate(
        """() => { const c = document.querySelector('canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        for (let i = 3; i < d.length; i += 4) if (d[i] > 0) return true; return false; }"""
    )
    assert drawn
    # The numbers are in a table for screen readers too.
    expect(page.locator("[data-component=revenueBar] table.inset-sr-only tbody tr")).to_have_count(
        6
    )
    assert_clean(console)


def test_narrow_iframe_has_no_horizontal_scroll(server: Server, page: Page) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    open_gallery(page, server)
    for name in ("forms", "layout", "charts"):
        if name != "forms":
            page.get_by_role(
                "tab", name={"layout": "Layout", "charts": "Charts"}[name]
            ).first.click()
        page.wait_for_timeout(200)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} page is {overflow}px too wide at 360px"


def test_file_upload_checks_type_and_size_and_exposes_the_file(
    server: Server, page: Page, console: Console
) -> None:
    open_gallery(page, server)
    upload = page.get_by_label("Attachment (CSV or text, up to 1 KB)")
    summary = page.locator("[data-component=attachmentSummary]")
    expect(summary).to_have_text("Attached: nothing")
    upload.set_input_files(
        files=[{"name": "big.csv", "mimeType": "text/csv", "buffer": b"x" * 2000}]
    )
    expect(page.get_by_role("alert")).to_contain_text("big.csv is 2.0 KB; the limit is 1000 B.")
    upload.set_input_files(
        files=[{"name": "photo.png", "mimeType": "image/png", "buffer": b"\x89PNG"}]
    )
    expect(page.get_by_role("alert")).to_contain_text(
        "photo.png: this type of file isn't accepted."
    )
    expect(summary).to_have_text("Attached: nothing")
    upload.set_input_files(
        files=[{"name": "stock.csv", "mimeType": "text/csv", "buffer": b"sku,qty\nA,1\n"}]
    )
    expect(summary).to_have_text("Attached: stock.csv")
    expect(page.get_by_role("list", name="Chosen files")).to_contain_text("stock.csv")
    page.get_by_role("button", name="Remove stock.csv").click()
    expect(summary).to_have_text("Attached: nothing")
    assert_clean(console)
