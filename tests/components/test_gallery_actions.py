"""The component gallery's tables and action chains in Chromium, checked by their effect:
column formats (percent, datetime, link, badge) as rendered, an input's on_change, a
multi-select table's on_row_select, a button's confirm, a write's on_failure (refused by
the server's param checks and by a database constraint) and stat cards that follow a new
row. The gallery's Tables page is examples/component-gallery/pages/tables.yaml."""

from __future__ import annotations

import re
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema_rs
import pytest
from playwright.sync_api import Dialog, Locator, Page, Request, expect

from inset.apps.components import BADGE_TONES, COMPONENTS
from inset.apps.expressions import evaluate
from inset.apps.json_schema import app_file_schema
from inset.apps.validation import validate_app_dir

from .conftest import EXAMPLES, GALLERY_UUID

if TYPE_CHECKING:
    from tests.browser.conftest import Console

    from .conftest import Server

browser = pytest.mark.browser

FEEDBACK_ROWS = "[data-component=feedbackTable] tbody tr"
INVOICE_ROWS = "[data-component=invoiceTable] tbody tr"
ROOT = Path(__file__).resolve().parents[2]


def assert_clean(console: Console) -> None:
    assert console.errors == []
    assert console.csp_violations() == []


def open_gallery(page: Page, server: Server, external_id: str) -> None:
    page.goto(server.mint(GALLERY_UUID, external_id, ["gallery-users"]))
    page.locator(FEEDBACK_ROWS).first.wait_for()


def open_tables(page: Page, server: Server, external_id: str) -> Locator:
    """The gallery's Tables page; returns its invoice rows."""
    open_gallery(page, server, external_id)
    page.get_by_role("tab", name="Tables & actions").click()
    rows = page.locator(INVOICE_ROWS)
    rows.first.wait_for()
    return rows


def invoice(page: Page, number: str) -> Locator:
    return page.locator(INVOICE_ROWS).filter(has=page.locator("td", has_text=number))


def db_rows(server: Server, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Rows of the gallery's SQLite file, read next to the running server."""
    with closing(sqlite3.connect(server.root / "gallery.db")) as conn:
        return conn.execute(sql, params).fetchall()


# ---- colours -----------------------------------------------------------------------------


def _channels(css: str) -> tuple[float, float, float]:
    """rgb(…) or color(srgb …) (what color-mix() computes to) as 0…1 channels."""
    if match := re.fullmatch(r"rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*[\d.]+)?\)", css):
        r, g, b = (float(c) / 255 for c in match.groups())
        return r, g, b
    if match := re.fullmatch(r"color\(srgb ([\d.e-]+) ([\d.e-]+) ([\d.e-]+)(?: / [\d.]+)?\)", css):
        r, g, b = (float(c) for c in match.groups())
        return r, g, b
    raise AssertionError(f"unexpected colour {css!r}")


def _luminance(css: str) -> float:
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in _channels(css)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two CSS colours."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def badge_colours(page: Page) -> dict[str, dict[str, str]]:
    """Text and background colour of the first badge of each tone."""
    found: dict[str, dict[str, str]] = page.evaluate(
        """(tones) => Object.fromEntries(tones.map((tone) => {
          const badge = document.querySelector(`.inset-badge--${tone}`);
          const style = badge ? getComputedStyle(badge) : null;
          return [tone, style ? { text: style.color, background: style.backgroundColor } : null];
        }))""",
        BADGE_TONES,
    )
    return found


# ---- the badge format in the catalogue -------------------------------------------------------


def test_badge_is_a_column_format_with_the_runtimes_tones(tmp_path: Path) -> None:
    column = COMPONENTS["table"]["props"]["columns"]["items"]["props"]
    assert "badge" in column["format"]["values"]
    assert "badgeColors" in column
    assert "badge" not in COMPONENTS["stat"]["props"]["format"]["values"], "a table format"
    format_js = (ROOT / "src/inset/runtime/static/format.js").read_text()
    tones = re.search(r"export const BADGE_TONES = \[(.*?)\];", format_js)
    assert tones is not None
    assert re.findall(r'"(\w+)"', tones.group(1)) == BADGE_TONES, "catalogue and runtime agree"

    # inset schema: an editor accepts badge and badgeColors on a column, not on a stat.
    schema = jsonschema_rs.Draft202012Validator(app_file_schema("page"))
    column = {"key": "status", "format": "badge", "badgeColors": {"paid": "success"}}
    table = {"type": "table", "data": "{{ queries.q.data }}", "columns": [column]}
    assert schema.is_valid({"components": [table]})
    assert not schema.is_valid({"components": [{"type": "stat", "value": 1, "format": "badge"}]})

    # inset validate: badge on a column is fine, on a stat (or misspelt) it is not.
    app = shutil.copytree(EXAMPLES / "component-gallery", tmp_path / "gallery")
    assert [i.format() for i in validate_app_dir(app) if i.severity == "error"] == []
    page = app / "pages" / "tables.yaml"
    page.write_text(
        page.read_text()
        + "  - {id: badStat, type: stat, value: 1, format: badge}\n"
        + "  - {id: badTable, type: table, data: [], columns: [{key: a, format: badges}]}\n"
    )
    errors = [i.message for i in validate_app_dir(app) if i.severity == "error"]
    assert any("stat.format 'badge' is not valid" in e for e in errors), errors
    assert any("'badges' is not valid" in e for e in errors), errors


# ---- 2. column formats -----------------------------------------------------------------------


@browser
def test_column_formats_render_percent_datetime_link_and_badge(
    server: Server, page: Page, console: Console
) -> None:
    # Links open example.com in a new tab: answer it here instead of the internet.
    page.context.route(
        "https://example.com/**",
        lambda route: route.fulfill(status=200, content_type="text/html", body="<p>invoice</p>"),
    )
    rows = open_tables(page, server, "formats-user")
    expect(rows).to_have_count(7)
    table = page.locator("[data-component=invoiceTable] table")
    expect(table.locator("thead th .inset-th__btn > span:first-child")).to_have_text(
        ["Invoice", "Customer", "Amount", "Discount", "Issued", "Document", "Status"]
    )

    first = invoice(page, "INV-1001")
    expect(first.locator("td")).to_have_text(
        [
            "INV-1001",
            "Acme GmbH",
            "€1,200.00",
            "12.5%",  # percent: a fraction, 0.125
            re.compile(r"^Mar 2, 2026, 2:30\sPM$"),  # datetime: no offset, so local time
            "https://example.com/invoices/INV-1001",
            "paid",
        ],
        use_inner_text=True,
    )
    cells = first.locator("td")
    expect(cells.nth(2)).to_have_class(re.compile(r"\binset-td--num\b"))
    expect(cells.nth(3)).to_have_class(re.compile(r"\binset-td--num\b"))
    expect(cells.nth(6)).not_to_have_class(re.compile(r"\binset-td--num\b"))
    expect(invoice(page, "INV-1002").locator("td").nth(3)).to_have_text("0%")

    # link: an <a> to the URL that opens a new tab without handing it this window.
    link = cells.nth(5).get_by_role("link")
    expect(link).to_have_text("https://example.com/invoices/INV-1001")
    expect(link).to_have_attribute("href", "https://example.com/invoices/INV-1001")
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    mailto = invoice(page, "INV-1003").locator("td").nth(5).get_by_role("link")
    expect(mailto).to_have_attribute("href", "mailto:billing@initech.example")
    # A javascript: URL is not a link, only text.
    unsafe = invoice(page, "INV-1004").locator("td").nth(5)
    expect(unsafe).to_have_text("javascript:alert(1)")
    expect(unsafe.locator("a")).to_have_count(0)
    assert page.locator("[data-component=invoiceTable] a[href^='javascript']").count() == 0
    # Missing values: an empty cell (CSS shows a dash), no badge, no link.
    draft = invoice(page, "INV-1005").locator("td")
    for index in (3, 5):
        expect(draft.nth(index)).to_have_class(re.compile(r"\binset-td--null\b"))
        expect(draft.nth(index)).to_have_text("")

    # Clicking the link opens the document; it doesn't select the row.
    with page.expect_popup() as popup_info:
        link.click()
    popup = popup_info.value
    popup.wait_for_load_state()
    assert popup.url == "https://example.com/invoices/INV-1001"
    assert popup.evaluate("window.opener") is None, "rel=noopener"
    popup.close()
    expect(first).to_have_attribute("aria-selected", "false")

    # badge: a pill with its tone from badgeColors; draft is not in the map, so neutral.
    for number, text, tone in [
        ("INV-1001", "paid", "success"),
        ("INV-1003", "overdue", "danger"),
        ("INV-1004", "due", "warning"),
        ("INV-1005", "draft", "neutral"),
        ("INV-1007", "open", "info"),
    ]:
        badge = invoice(page, number).locator("td").last.locator(".inset-badge")
        expect(badge).to_have_text(text)
        expect(badge).to_have_class(f"inset-badge inset-badge--{tone}")

    # Readable in light and in dark mode (colorScheme auto follows the system), and the
    # tones differ from one another.
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        body = page.evaluate("getComputedStyle(document.body).backgroundColor")
        expect(page.locator("body")).to_have_css(
            "background-color", "rgb(246, 247, 249)" if scheme == "light" else "rgb(17, 20, 24)"
        )
        found = badge_colours(page)
        for tone, colours in found.items():
            assert colours is not None, f"no {tone} badge"
            ratio = contrast(colours["text"], colours["background"])
            assert ratio >= 4.5, f"{scheme} {tone}: {colours} ({ratio:.2f})"
            # The pill is a tint of the page: light on light, dark on dark.
            assert abs(_luminance(colours["background"]) - _luminance(body)) < 0.2, (scheme, tone)
        assert len({c["text"] for c in found.values() if c}) == len(BADGE_TONES), found
    assert_clean(console)


# ---- 3. on_change ----------------------------------------------------------------------------


@browser
def test_select_on_change_runs_its_action_with_the_new_value(
    server: Server, page: Page, console: Console
) -> None:
    rows = open_tables(page, server, "on-change-user")
    toasts = page.locator(".inset-toast")
    expect(rows).to_have_count(7)
    expect(toasts).to_have_count(0)  # nothing at load: on_change is for the user's changes

    status = page.get_by_label("Invoice status")
    status.select_option(label="Overdue")
    # The notify action ran after the value changed: it reads the new option's label.
    expect(toasts).to_have_count(1)
    expect(toasts.first).to_have_text(re.compile(r"^Showing overdue invoices"))
    expect(rows).to_have_count(1)  # and the query that binds the value re-ran
    expect(rows.first.locator("td").first).to_have_text("INV-1003")

    status.select_option(label="Due soon")
    expect(toasts.last).to_have_text(re.compile(r"^Showing due soon invoices"))
    expect(rows.first.locator("td").first).to_have_text("INV-1004")

    status.select_option(label="Any status")
    expect(toasts.last).to_have_text(re.compile(r"^Showing all invoices"))
    expect(toasts).to_have_count(3)
    expect(rows).to_have_count(7)
    assert_clean(console)


# ---- 4. multi-select with on_row_select ------------------------------------------------------


@browser
def test_multi_select_by_click_and_keyboard_runs_on_row_select(
    server: Server, page: Page, console: Console
) -> None:
    rows = open_tables(page, server, "multi-select-user")
    table = page.locator("[data-component=invoiceTable] table")
    expect(table).to_have_attribute("role", "grid")
    expect(table).to_have_attribute("aria-multiselectable", "true")
    summary = page.locator("[data-component=selectionSummary]")
    reminder = page.get_by_label("Reminder text")
    mark_paid = page.get_by_role("button", name="Mark selected as paid")
    expect(summary).to_have_text("Selected: 0 · €0.00")
    expect(reminder).to_have_value("")
    expect(mark_paid).to_be_disabled()

    def selected() -> list[str]:
        return [
            r.locator("td").first.inner_text()
            for r in rows.all()
            if r.get_attribute("aria-selected") == "true"
        ]

    # Clicks add rows to the selection; on_row_select sets the reminder from selectedRows.
    invoice(page, "INV-1001").click()
    expect(reminder).to_have_value("Reminder: please settle INV-1001.")
    expect(summary).to_have_text("Selected: 1 · €1,200.00")
    invoice(page, "INV-1003").click()
    expect(reminder).to_have_value("Reminder: please settle INV-1001, INV-1003.")
    expect(summary).to_have_text("Selected: 2 · €3,510.00")
    expect(invoice(page, "INV-1001")).to_have_attribute("aria-selected", "true")
    expect(invoice(page, "INV-1003")).to_have_attribute("aria-selected", "true")
    expect(invoice(page, "INV-1003")).to_have_class(re.compile(r"\binset-tr--selected\b"))
    expect(mark_paid).to_be_enabled()

    # A second click toggles a row off.
    invoice(page, "INV-1001").click()
    expect(reminder).to_have_value("Reminder: please settle INV-1003.")
    expect(summary).to_have_text("Selected: 1 · €2,310.00")
    expect(invoice(page, "INV-1001")).to_have_attribute("aria-selected", "false")

    # Keyboard: the arrows, Home and End move between rows; Space and Enter toggle.
    expect(invoice(page, "INV-1001")).to_be_focused()  # the clicked row
    page.keyboard.press("ArrowDown")
    expect(invoice(page, "INV-1002")).to_be_focused()
    page.keyboard.press("Space")
    expect(reminder).to_have_value("Reminder: please settle INV-1003, INV-1002.")
    page.keyboard.press("End")
    expect(invoice(page, "INV-1007")).to_be_focused()
    page.keyboard.press("Enter")
    expect(reminder).to_have_value("Reminder: please settle INV-1003, INV-1002, INV-1007.")
    expect(summary).to_have_text("Selected: 3 · €3,105.75")
    page.keyboard.press("Home")
    expect(invoice(page, "INV-1001")).to_be_focused()
    page.keyboard.press("ArrowUp")  # stays on the first row
    expect(invoice(page, "INV-1001")).to_be_focused()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(invoice(page, "INV-1003")).to_be_focused()
    page.keyboard.press("Space")  # off again
    expect(reminder).to_have_value("Reminder: please settle INV-1002, INV-1007.")
    assert selected() == ["INV-1002", "INV-1007"]
    # Roving tabindex: one row is in the tab order.
    expect(page.locator(f"{INVOICE_ROWS}[tabindex='0']")).to_have_count(1)

    # Toggle the rest off: the reminder is empty and the button is disabled again.
    invoice(page, "INV-1002").click()
    invoice(page, "INV-1007").click()
    expect(reminder).to_have_value("")
    expect(summary).to_have_text("Selected: 0 · €0.00")
    expect(mark_paid).to_be_disabled()
    assert_clean(console)


# ---- 5. confirm ------------------------------------------------------------------------------


@browser
def test_confirm_button_runs_nothing_when_dismissed_and_writes_when_accepted(
    server: Server, page: Page, console: Console
) -> None:
    rows = open_tables(page, server, "confirm-user")
    writes: list[Request] = []
    page.on("request", lambda r: writes.append(r) if "/queries/mark_paid/" in r.url else None)
    questions: list[str] = []

    def answer(accept: bool) -> Any:
        def handle(dialog: Dialog) -> None:
            questions.append(f"{dialog.type}: {dialog.message}")
            if accept:
                dialog.accept()
            else:
                dialog.dismiss()

        return handle

    before = db_rows(server, "SELECT number, status FROM invoices ORDER BY id")
    expect(rows).to_have_count(7)
    for number in ("INV-1002", "INV-1006"):
        invoice(page, number).click()
        expect(invoice(page, number).locator(".inset-badge--info")).to_have_text("open")
    button = page.get_by_role("button", name="Mark selected as paid")

    # Cancel: the question was asked, nothing ran.
    page.once("dialog", answer(False))
    button.click()
    expect(button).to_have_attribute("aria-busy", "false")
    page.wait_for_timeout(500)  # time for a request that must not come
    assert questions == ["confirm: Mark 2 selected invoice(s) as paid?"]
    assert writes == []
    assert db_rows(server, "SELECT number, status FROM invoices ORDER BY id") == before
    expect(page.locator(".inset-toast")).to_have_count(0)
    expect(invoice(page, "INV-1002").locator(".inset-badge")).to_have_text("open")

    # OK: the write runs with the selected ids, then the re-read shows the new badges.
    page.once("dialog", answer(True))
    with page.expect_response(lambda r: "/queries/mark_paid/" in r.url) as response:
        button.click()
    assert response.value.status == 200
    assert response.value.request.post_data_json["params"] == {"ids": [2, 6]}
    assert len(questions) == 2
    expect(page.locator(".inset-toast--success")).to_have_text(
        re.compile(r"^2 invoice\(s\) marked as paid\.")
    )
    for number in ("INV-1002", "INV-1006"):
        badge = invoice(page, number).locator(".inset-badge")
        expect(badge).to_have_text("paid")
        expect(badge).to_have_class("inset-badge inset-badge--success")
        # The selection follows the re-read rows (rowKey: id).
        expect(invoice(page, number)).to_have_attribute("aria-selected", "true")
    expect(invoice(page, "INV-1007").locator(".inset-badge")).to_have_text("open")
    after = dict(db_rows(server, "SELECT number, status FROM invoices"))
    assert after["INV-1002"] == after["INV-1006"] == "paid"
    assert {k: v for k, v in after.items() if k not in ("INV-1002", "INV-1006")} == {
        k: v for k, v in before if k not in ("INV-1002", "INV-1006")
    }
    assert len(writes) == 1
    assert_clean(console)


# ---- 6. on_failure; 7. stats after a new row -------------------------------------------------


def field(name: str) -> str:
    return f"#inset-feedbackForm-{name}"


def fill_feedback(page: Page, *, name: str, email: str, code: str, rating: int) -> None:
    page.locator(field("name")).fill(name)
    page.locator(field("email")).fill(email)
    page.locator(field("code")).fill(code)
    page.locator(field("topic")).select_option(label="Delivery")
    page.locator(field("rating")).fill(str(rating))
    page.get_by_role("checkbox", name="I agree to be contacted about this feedback").check()


def feedback_count(server: Server) -> int:
    count: int = db_rows(server, "SELECT count(*) FROM feedback")[0][0]
    return count


@browser
@pytest.mark.parametrize(
    ("email", "code", "reason"),
    [
        # The form only checks that it looks like an email; the param allows 200 characters.
        ("x@" + "a" * 210 + ".example", "LNG-201", "at most 200 characters"),
        # ADA-001 is the sample row's code: the UNIQUE constraint refuses a second one.
        ("dup@example.com", "ADA-001", "refused by a database constraint"),
    ],
    ids=["param-check", "db-constraint"],
)
def test_a_refused_write_runs_on_failure_and_writes_nothing(
    server: Server, page: Page, console: Console, email: str, code: str, reason: str
) -> None:
    open_gallery(page, server, f"failure-user-{code.lower()}")
    rows = page.locator(FEEDBACK_ROWS)
    shown = rows.count()
    before = feedback_count(server)
    fill_feedback(page, name="Mallory", email=email, code=code, rating=3)
    expect(page.locator(".inset-form__summary")).to_have_count(0)  # the browser is satisfied
    with page.expect_response(lambda r: "/queries/add_feedback/" in r.url) as response:
        page.get_by_role("button", name="Send feedback").click()
    assert response.value.status in (409, 422)

    # on_failure: an error toast with the server's reason; on_success did not run.
    error = page.locator(".inset-toast--error")
    expect(error).to_have_text(re.compile(rf"^Couldn't save: .*{reason}"))
    expect(page.locator(".inset-toast--success")).to_have_count(0)
    expect(page.locator(".inset-toast")).to_have_count(1)
    # Nothing was written, the table was not re-read, and the form kept what was typed
    # (resetOnSubmit only resets after a successful submit).
    assert feedback_count(server) == before
    assert db_rows(server, "SELECT count(*) FROM feedback WHERE name = 'Mallory'") == [(0,)]
    expect(rows).to_have_count(shown)
    expect(page.locator(field("name"))).to_have_value("Mallory")
    expect(page.locator(field("code"))).to_have_value(code)
    assert_clean(console)


@browser
def test_stat_cards_follow_a_new_row(server: Server, page: Page, console: Console) -> None:
    open_gallery(page, server, "stats-user")
    count = page.locator("[data-component=feedbackCount] .inset-stat__value")
    average = page.locator("[data-component=avgRating] .inset-stat__value")

    def expected() -> tuple[str, str]:
        ratings = [{"rating": r} for (r,) in db_rows(server, "SELECT rating FROM feedback")]
        mean = evaluate("string(round(avg(pluck(rows, 'rating')), 1))", {"rows": ratings})
        return f"{len(ratings):,}", str(mean)

    page.get_by_role("tab", name="Layout").click()
    first_count, first_average = expected()
    expect(count).to_have_text(first_count)
    expect(average).to_have_text(first_average)

    page.get_by_role("tab", name="Forms & inputs").click()
    fill_feedback(page, name="Stella", email="stella@example.com", code="STA-107", rating=1)
    page.get_by_role("button", name="Send feedback").click()
    expect(page.locator(".inset-toast--success")).to_contain_text("Thanks, Stella!")

    # The write's on_success re-read the feedback query; the other page's stats follow.
    page.get_by_role("tab", name="Layout").click()
    new_count, new_average = expected()
    assert int(new_count.replace(",", "")) == int(first_count.replace(",", "")) + 1
    assert float(new_average) < float(first_average), "a rating of 1 pulls the average down"
    expect(count).to_have_text(new_count)
    expect(average).to_have_text(new_average)
    assert_clean(console)


@browser
def test_tables_page_fits_a_narrow_iframe(server: Server, page: Page) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    open_tables(page, server, "narrow-tables-user")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the tables page is {overflow}px too wide at 360px"
    # The wide table scrolls inside its own box instead.
    scroll = page.locator("[data-component=invoiceTable] .inset-table__scroll")
    assert scroll.evaluate("e => e.scrollWidth > e.clientWidth")
