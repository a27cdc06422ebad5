"""Audit log page: filters, cursor paging, the event detail (hash chain), and export with the
current filters through the admin cookie session."""

from __future__ import annotations

import json

import httpx
from playwright.sync_api import Page, expect

from inset.db import Database
from tests.admin.conftest import AdminServer, open_nav
from tests.factories import bearer, embed_body, make_world


async def test_filters_and_cursor_paging(client: httpx.AsyncClient, database: Database) -> None:
    """What the page sends: filters as query parameters, limit and the cursor."""
    world = await make_world(database)
    for n in range(3):
        minted = await client.post(
            "/api/embed-url/external-user",
            headers=bearer(world.tokens["embed"]),
            json=embed_body(world, externalIdentifier=f"user-{n}"),
        )
        assert minted.status_code == 200
    headers = bearer(world.tokens["admin"])
    first = await client.get(
        "/api/v1/audit-events",
        params={"type": "embed_url.created", "limit": 2, "app": world.app_slug},
        headers=headers,
    )
    assert first.status_code == 200, first.text
    page = first.json()
    assert [e["externalIdentifier"] for e in page["events"]] == ["user-2", "user-1"]
    rest = await client.get(
        "/api/v1/audit-events",
        params={"type": "embed_url.created", "limit": 2, "cursor": page["nextCursor"]},
        headers=headers,
    )
    assert [e["externalIdentifier"] for e in rest.json()["events"]] == ["user-0"]
    bad = await client.get("/api/v1/audit-events", params={"since": "yesterday"}, headers=headers)
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "since"


def test_audit_page_filter_detail_and_export(admin_page: Page, admin_server: AdminServer) -> None:
    admin_server.start_embed_session("audit-page-user")
    page = admin_page
    open_nav(page, "Audit log")
    expect(page.locator("tbody tr").first).to_be_visible()
    page.get_by_label("User (external identifier)").fill("audit-page-user")
    page.get_by_label("Type").fill("session.started")
    page.get_by_role("button", name="Apply filters").click()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("session.started")
    rows.first.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Previous hash")
    expect(dialog).to_contain_text("audit-page-user")
    expect(dialog.locator("pre.event-data")).to_contain_text('"release"')
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    link = page.get_by_role("link", name="Export JSON lines")
    href = link.get_attribute("href")
    assert href is not None and "user=audit-page-user" in href and "format=jsonl" in href
    # The export is a plain GET: the admin cookie session authorises it.
    exported = page.request.get(admin_server.url + href)
    assert exported.status == 200, exported.text()
    events = [json.loads(line) for line in exported.text().splitlines() if line]
    assert [e["type"] for e in events] == ["session.started"]
    csv_href = page.get_by_role("link", name="Export CSV").get_attribute("href")
    assert csv_href is not None and "user=audit-page-user" in csv_href
    csv = page.request.get(admin_server.url + csv_href)
    assert csv.status == 200 and "session.started" in csv.text()


def test_audit_page_outcome_filter(admin_page: Page, admin_server: AdminServer) -> None:
    refused = httpx.post(f"{admin_server.url}/api/embed-url/external-user", json={}, timeout=10)
    assert refused.status_code == 401  # audited as auth.denied
    page = admin_page
    open_nav(page, "Audit log")
    page.get_by_label("Outcome").select_option("denied")
    page.get_by_label("Type").fill("auth.denied")
    page.get_by_role("button", name="Apply filters").click()
    rows = page.locator("tbody tr")
    expect(rows.first).to_contain_text("auth.denied")
    expect(rows.filter(has_not_text="denied")).to_have_count(0)


def test_audit_page_filters_live_in_the_url(admin_page: Page, admin_server: AdminServer) -> None:
    """/admin/audit?outcome=denied (the Overview's link) opens with that filter applied;
    changing the filters rewrites the URL, so a reload keeps the view."""
    refused = httpx.post(f"{admin_server.url}/api/embed-url/external-user", json={}, timeout=10)
    assert refused.status_code == 401  # an auth.denied event, next to plenty of ok ones
    page = admin_page
    page.goto(f"{admin_server.url}/admin/audit?outcome=denied")
    expect(page.get_by_role("heading", level=1, name="Audit log")).to_be_visible()
    expect(page.get_by_label("Outcome")).to_have_value("denied")
    rows = page.locator("tbody tr")
    expect(rows.first).to_contain_text("denied")
    expect(rows.filter(has_not_text="denied")).to_have_count(0)
    export = page.get_by_role("link", name="Export CSV").get_attribute("href")
    assert export is not None and "outcome=denied" in export

    page.get_by_label("Type").fill("auth.denied")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(f"{admin_server.url}/admin/audit?type=auth.denied&outcome=denied")
    page.reload()
    expect(page.get_by_label("Type")).to_have_value("auth.denied")
    expect(page.get_by_label("Outcome")).to_have_value("denied")
    expect(rows.first).to_contain_text("auth.denied")
    expect(rows.filter(has_not_text="auth.denied")).to_have_count(0)

    page.get_by_role("button", name="Clear").click()
    expect(page).to_have_url(f"{admin_server.url}/admin/audit")
    expect(page.get_by_label("Outcome")).to_have_value("")
    expect(page.get_by_role("cell", name="ok", exact=True).first).to_be_visible()
    # Back to the Overview, then its "Open in the audit log" link: the same filtered view.
    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Overview").click()
    denials = page.locator("section.panel", has_text="Recent denials")
    denials.get_by_role("link", name="Open in the audit log").click()
    expect(page).to_have_url(f"{admin_server.url}/admin/audit?outcome=denied")
    expect(page.get_by_label("Outcome")).to_have_value("denied")
    expect(page.get_by_label("Type")).to_have_value("")
    expect(rows.filter(has_not_text="denied")).to_have_count(0)
