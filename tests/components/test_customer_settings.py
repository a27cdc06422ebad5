"""examples/customer-settings: the form writes only the signed-in customer's own row."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Page, expect

from .conftest import SETTINGS_UUID

if TYPE_CHECKING:
    from tests.browser.conftest import Console

    from .conftest import Server

pytestmark = pytest.mark.browser

ADMINS = ["customers", "customer-admins"]


def rows(server: Server) -> dict[int, tuple[Any, ...]]:
    with sqlite3.connect(server.root / "settings.db") as conn:
        result = conn.execute(
            "SELECT customer_id, company_name, billing_email, timezone, weekly_report,"
            " alert_threshold FROM customer_settings ORDER BY customer_id"
        ).fetchall()
    return {row[0]: row[1:] for row in result}


def test_customer_a_saves_only_its_own_row(server: Server, page: Page, console: Console) -> None:
    before = rows(server)
    page.goto(server.mint(SETTINGS_UUID, "acme-admin", ADMINS, customerId=1))
    company = page.get_by_label("Company name")
    expect(company).to_have_value("Acme Tools GmbH")  # customer 1's row, prefilled
    expect(page.get_by_label("Time zone")).to_have_value("0")  # Europe/Berlin
    expect(page.get_by_role("switch", name="Email me a weekly report")).to_be_checked()

    company.fill("A")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator("#inset-settingsForm-company_name-error")).to_have_text(
        "Use at least 2 characters."
    )
    company.fill("Acme Tools AG")
    page.get_by_label("Time zone").select_option(label="Asia/Tokyo")
    page.get_by_label("Alert when stock falls below").fill("40")
    page.get_by_role("switch", name="Email me a weekly report").uncheck()
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator(".inset-toast")).to_contain_text("Settings saved.")
    expect(page.locator("[data-component=company]")).to_contain_text("Acme Tools AG")

    after = rows(server)
    assert after[1] == ("Acme Tools AG", "billing@acme.example", "Asia/Tokyo", 0, 40)
    assert after[2] == before[2], "customer B's row is untouched"
    assert console.errors == [] and console.csp_violations() == []


def test_customer_b_sees_its_own_row_and_a_user_without_write_access_is_refused(
    server: Server, page: Page
) -> None:
    page.goto(server.mint(SETTINGS_UUID, "bluebird-viewer", ["customers"], customerId=2))
    company = page.get_by_label("Company name")
    expect(company).to_have_value("Bluebird Ltd")
    before = rows(server)
    company.fill("Bluebird Holdings")
    page.get_by_role("button", name="Save settings").click()
    # Not in customer-admins: the server refuses the write, the user sees why.
    expect(page.locator(".inset-toast--error")).to_be_visible()
    assert rows(server) == before
