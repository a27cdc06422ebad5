"""The component gallery (examples/component-gallery) in Chromium: each component's main
interaction, checked by its effect (a row written, a binding updated, focus moved)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Download, Page, Request, Response, expect

from .conftest import GALLERY_UUID, load_sample_data

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
    for name in ("forms", "layout", "charts", "orders"):
        if name != "forms":
            page.get_by_role("tab", name=name.capitalize()).first.click()
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


# ---- server-side paging, CSV download, the download action -----------------------------

ORDER_ROWS = "[data-component=ordersTable] tbody tr"
DASH = "\N{EN DASH}"


def orders() -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = load_sample_data("component-gallery").order_rows()
    return rows


def open_orders(page: Page, server: Server, external_id: str) -> list[dict[str, Any]]:
    """The gallery's Orders page; returns the paging requests the table sends."""
    sent: list[dict[str, Any]] = []

    def record(request: Request) -> None:
        body = request.post_data_json
        if request.url.endswith("/queries/orders/run") and isinstance(body, dict):
            sent.append(body)

    page.on("request", record)
    open_gallery(page, server, external_id)
    page.get_by_role("tab", name="Orders").click()
    page.locator(ORDER_ROWS).first.wait_for()
    return sent


def first_cells(page: Page) -> list[str]:
    cells = page.locator(f"{ORDER_ROWS} td:first-child").all_inner_texts()
    return [t.strip().replace(",", "") for t in cells]  # ids are shown as numbers: 1,086


def read_csv(download: Download) -> tuple[str, list[list[str]]]:
    text = Path(download.path()).read_bytes().decode("utf-8")  # CRLF kept
    assert text.startswith("\ufeff"), "a byte order mark for spreadsheet apps"
    return text, list(csv.reader(io.StringIO(text[1:], newline="")))


def test_server_paged_table_pages_sorts_and_searches_on_the_server(
    server: Server, page: Page, console: Console
) -> None:
    sent = open_orders(page, server, "orders-user")
    count = page.locator("[data-component=ordersTable] .inset-table__count")
    expect(page.locator(ORDER_ROWS)).to_have_count(10)
    expect(count).to_have_text(f"1{DASH}10 of 1,234")
    assert first_cells(page) == [str(i) for i in range(1, 11)]
    assert sent[-1]["paging"] == {"limit": 10, "offset": 0, "sort": None, "search": ""}

    page.get_by_role("button", name="Next page").click()
    expect(count).to_have_text(f"11{DASH}20 of 1,234")
    assert first_cells(page) == [str(i) for i in range(11, 21)]
    assert sent[-1]["paging"]["offset"] == 10
    page.get_by_role("button", name="Next page").click()
    expect(count).to_have_text(f"21{DASH}30 of 1,234")

    # Sort by amount: back to page 1, the server's order (amount, then id).
    by_amount = sorted(orders(), key=lambda r: (r[2], r[0]))
    page.get_by_role("button", name="Amount").click()
    expect(count).to_have_text(f"1{DASH}10 of 1,234")
    expect(page.locator(f"{ORDER_ROWS} td:first-child").first).to_have_text(f"{by_amount[0][0]:,}")
    assert first_cells(page) == [str(r[0]) for r in by_amount[:10]]
    assert sent[-1]["paging"]["sort"] == {"key": "amount", "direction": "asc"}
    # Status is declared sortable: false, so it has no sort button.
    expect(
        page.locator("[data-component=ordersTable] th").last.get_by_role("button")
    ).to_have_count(0)

    # Search and a param filter: totals from the server.
    page.get_by_label("Search table").fill("Globex")
    globex = [r for r in orders() if "Globex" in r[1]]
    expect(count).to_have_text(f"1{DASH}10 of {len(globex)}")
    page.get_by_label("Status").select_option(label="Returned")
    returned = [r for r in globex if r[4] == "returned"]
    expect(count).to_have_text(f"1{DASH}10 of {len(returned)}")
    assert all(
        t.strip() == "Globex"
        for t in page.locator(f"{ORDER_ROWS} td:nth-child(2)").all_inner_texts()
    )

    # Download CSV: every matching row (not just this page), sorted as shown.
    with page.expect_download() as info:
        page.get_by_role("button", name="Download CSV").click()
    assert info.value.suggested_filename == "ordersTable.csv"
    _, rows = read_csv(info.value)
    assert rows[0] == ["#", "Customer", "Amount", "Placed", "Status"]
    expected = sorted(returned, key=lambda r: (r[2], r[0]))
    assert [row[0] for row in rows[1:]] == [str(r[0]) for r in expected]
    assert_clean(console)


def test_csv_download_of_all_rows_is_quoted_defused_and_audited(
    server: Server, page: Page, console: Console
) -> None:
    open_orders(page, server, "csv-user")
    with page.expect_response(
        lambda r: (
            r.url.endswith("/api/runtime/events")
            and (r.request.post_data_json or {}).get("type") == "data.downloaded"
        )
    ) as event:
        with page.expect_download() as info:
            page.get_by_role("button", name="Download CSV").click()
    text, rows = read_csv(info.value)
    assert len(rows) == 1 + len(orders())
    assert rows[2][:2] == ["2", "'=1+1"], "a formula is shown as text"
    assert rows[3][:2] == ["3", 'Smith, "Bob"']
    assert '"Smith, ""Bob"""' in text
    assert "\r\n" in text
    response: Response = event.value
    assert response.status == 204
    assert response.request.post_data_json == {
        "type": "data.downloaded", "page": "orders", "query": "orders",
        "rowCount": len(orders()), "format": "csv",
    }  # fmt: skip
    assert_clean(console)


def test_download_action_saves_a_query_as_json_and_a_value_as_csv(
    server: Server, page: Page, console: Console
) -> None:
    open_orders(page, server, "export-user")
    with page.expect_download() as info:
        page.get_by_role("button", name="Export orders (JSON)").click()
    assert info.value.suggested_filename == "orders-export.json"
    exported = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    assert len(exported) == len(orders())
    assert exported[0] == {
        "id": 1, "customer": orders()[0][1], "amount": orders()[0][2],
        "placed_on": orders()[0][3], "status": orders()[0][4],
    }  # fmt: skip

    with page.expect_download() as info:
        page.get_by_role("button", name="Download sales channels").click()
    assert info.value.suggested_filename == "sales-channels.csv"
    _, rows = read_csv(info.value)
    assert rows == [["channel", "share"], ["Marketplace", "0.46"], ["Direct", "0.31"],
                    ["Resellers", "0.15"], ["Other", "0.08"]]  # fmt: skip
    # The next action in the chain ran after the download.
    expect(page.locator(".inset-toast")).to_contain_text("Sales channels downloaded.")
    assert_clean(console)


def test_client_table_downloads_the_rows_it_has(
    server: Server, page: Page, console: Console
) -> None:
    open_gallery(page, server, "feedback-csv-user")
    table = page.locator("[data-component=feedbackTable]")
    with page.expect_download() as info:
        table.get_by_role("button", name="Download CSV").click()
    assert info.value.suggested_filename == "feedbackTable.csv"
    _, rows = read_csv(info.value)
    assert rows[0] == ["Name", "Topic", "Rating", "Visit", "Went well", "Newsletter"]
    assert ["Ada", "product", "5", "2026-03-02", "fast, friendly", "1"] in rows
    assert_clean(console)
