"""Admin apps API: list, releases diff, promote and "Preview as…" (the same access rules and
row filters as the public embed API)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from inset.access import service as access
from inset.apps.service import deploy_directory
from inset.audit.models import AuditEvent
from inset.auth import service as auth
from inset.db import Database
from inset.resources.service import add_resource
from tests.admin.conftest import HOST_ORIGIN, AdminServer, open_nav
from tests.admin.conftest import write_app as write_admin_app
from tests.embed.test_runtime_queries import APP_UUID, sqlite_warehouse, write_app
from tests.factories import BASE_BUNDLE, World, bearer, make_world
from tests.support.live import run_cli

OWN_ORIGIN = "http://testserver"


async def test_list_apps(client: httpx.AsyncClient, database: Database) -> None:
    world = await make_world(database)
    changed = copy.deepcopy(BASE_BUNDLE)
    changed["name"] = "Supplier portal 2"
    await world.add_release(changed, "1.0.1")
    response = await client.get("/api/v1/apps", headers=bearer(world.tokens["admin"]))
    assert response.status_code == 200, response.text
    [app] = response.json()
    assert app["slug"] == "supplier-portal"
    assert app["uuid"] == world.app_uuid
    assert app["live"]["version"] == "1.0.1"
    assert app["release_count"] == 2
    assert app["parent_origins"] == BASE_BUNDLE["embed"]["parentOrigins"]


@pytest.mark.parametrize(
    "path",
    ["/api/v1/apps", "/api/v1/apps/supplier-portal/releases/1.0.0/diff/latest"],
)
async def test_authz(client: httpx.AsyncClient, database: Database, path: str) -> None:
    world = await make_world(database)
    assert (await client.get(path)).status_code == 401
    embed_only = await client.get(path, headers=bearer(world.tokens["embed"]))
    assert embed_only.status_code == 403
    preview = await client.post(
        "/api/v1/apps/supplier-portal/preview",
        headers=bearer(world.tokens["embed"]),
        json={"groupIds": ["suppliers"], "externalIdentifier": "x"},
    )
    assert preview.status_code == 403


async def test_releases_diff(client: httpx.AsyncClient, database: Database) -> None:
    world = await make_world(database)
    changed = copy.deepcopy(BASE_BUNDLE)
    changed["pages"][1]["title"] = "Bills"
    await world.add_release(changed, "1.0.1")
    response = await client.get(
        f"/api/v1/apps/{world.app_slug}/releases/1.0.0/diff/1.0.1",
        headers=bearer(world.tokens["admin"]),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["from_version"], body["to_version"]) == ("1.0.0", "1.0.1")
    lines = body["diff"].splitlines()
    assert '-  "title": "Invoices"' in lines
    assert '+  "title": "Bills"' in lines
    unknown = await client.get(
        f"/api/v1/apps/{world.app_slug}/releases/1.0.0/diff/9.9.9",
        headers=bearer(world.tokens["admin"]),
    )
    assert unknown.status_code == 422
    assert unknown.json()["error"]["field"] == "version"


async def test_releases_list_and_promote_accept_admin(
    client: httpx.AsyncClient, database: Database
) -> None:
    world = await make_world(database)
    await world.add_release(BASE_BUNDLE, "1.0.1")
    headers = bearer(world.tokens["admin"])
    listed = await client.get(f"/api/v1/apps/{world.app_slug}/releases", headers=headers)
    assert [r["version"] for r in listed.json()] == ["1.0.1", "1.0.0"]
    promoted = await client.post(
        f"/api/v1/apps/{world.app_slug}/releases/1.0.0/promote", headers=headers
    )
    assert promoted.status_code == 200, promoted.text
    assert promoted.json()["previous_version"] == "1.0.1"


async def _preview(client: httpx.AsyncClient, token: str, app: str, **body: Any) -> httpx.Response:
    return await client.post(f"/api/v1/apps/{app}/preview", headers=bearer(token), json=body)


async def _redeem(client: httpx.AsyncClient, embed_url: str) -> dict[str, Any]:
    page = await client.get(embed_url.removeprefix(OWN_ORIGIN))
    assert page.status_code == 200, page.text
    assert f"frame-ancestors {OWN_ORIGIN}" in page.headers["content-security-policy"]
    boot: dict[str, Any] = json.loads(
        page.text.split('id="inset-boot">', 1)[1].split("</script>", 1)[0]
    )
    return boot


async def test_preview_shows_only_that_suppliers_rows(
    client: httpx.AsyncClient, database: Database, tmp_path: Path
) -> None:
    async with database.session() as session:
        for name in ("suppliers", "supplier-admins"):
            await access.create_group(session, name)
        admin = (await auth.create_token(session, "admin", ["admin"])).secret
        await add_resource(session, "warehouse", "sqlite", sqlite_warehouse(tmp_path / "w.db"))
        await deploy_directory(session, write_app(tmp_path))
    rows: dict[int, list[str]] = {}
    for supplier in (1, 2):
        minted = await _preview(
            client,
            admin,
            APP_UUID,
            externalIdentifier=f"supplier-{supplier}",
            groupIds=["suppliers"],
            metadata={"supplierId": supplier},
            parentOrigin="https://ignored.example",
        )
        assert minted.status_code == 200, minted.text
        assert minted.json()["parentOrigin"] == OWN_ORIGIN
        boot = await _redeem(client, minted.json()["embedUrl"])
        assert boot["parentOrigin"] == OWN_ORIGIN
        ran = await client.post(
            "/api/runtime/queries/stock/run",
            headers=bearer(boot["sessionToken"]),
            json={"params": {"search": ""}},
        )
        assert ran.status_code == 200, ran.text
        rows[supplier] = [
            row[0] if isinstance(row, list) else row["sku"] for row in ran.json()["rows"]
        ]
    assert rows == {1: ["A-1", "A-2"], 2: ["B-1", "B-2"]}
    async with database.session() as session:
        events = list(
            await session.scalars(select(AuditEvent).where(AuditEvent.type == "admin.preview"))
        )
    assert [e.external_identifier for e in events] == ["supplier-1", "supplier-2"]
    assert events[0].actor_type == "token"
    assert events[0].data["metadata"] == {"supplierId": 1}


async def test_a_preview_leaves_the_real_users_record_alone(
    client: httpx.AsyncClient, database: Database
) -> None:
    """Previewing as a user with other groups and metadata must not rewrite what the host
    product last said about that user (External users, a group's recent users)."""
    from inset.access.models import ExternalUser
    from tests.factories import embed_body

    world = await make_world(database)
    real = embed_body(world)
    minted = await client.post(
        "/api/embed-url/external-user", json=real, headers=bearer(world.tokens["embed"])
    )
    assert minted.status_code == 200, minted.text

    async def stored() -> tuple[Any, ...]:
        async with database.session() as session:
            user = await session.scalar(
                select(ExternalUser).where(
                    ExternalUser.external_identifier == str(real["externalIdentifier"])
                )
            )
            assert user is not None
            return (user.last_group_ids, user.last_metadata, user.last_seen_at, user.email)

    before = await stored()
    preview = await _preview(
        client,
        world.tokens["admin"],
        world.app_uuid,
        externalIdentifier=real["externalIdentifier"],
        groupIds=["staff"],
        metadata={"supplierId": 999},
        userInfo={"email": "someone-else@example.com"},
    )
    assert preview.status_code == 200, preview.text
    await _redeem(client, preview.json()["embedUrl"])
    assert await stored() == before


async def test_preview_applies_the_embed_rules(
    client: httpx.AsyncClient, database: Database
) -> None:
    world: World = await make_world(database)
    admin = world.tokens["admin"]
    denied = await _preview(
        client, admin, world.app_slug, externalIdentifier="o", groupIds=["outsiders"]
    )
    assert denied.status_code == 403
    assert denied.json()["error"]["code"] == "app_forbidden"
    unknown = await _preview(
        client, admin, world.app_slug, externalIdentifier="o", groupIds=["nobody"]
    )
    assert unknown.status_code == 422
    assert unknown.json()["error"]["field"] == "groupIds"
    bad_metadata = await _preview(
        client, admin, world.app_slug, externalIdentifier="o", groupIds=[1], metadata=[1]
    )
    assert bad_metadata.status_code == 422
    assert bad_metadata.json()["error"]["field"] == "metadata"


async def test_own_origin_is_refused_for_normal_embeds(
    client: httpx.AsyncClient, database: Database
) -> None:
    world = await make_world(database)
    response = await client.post(
        "/api/embed-url/external-user",
        headers=bearer(world.tokens["embed"]),
        json={
            "landingPageUuid": world.app_uuid,
            "groupIds": ["suppliers"],
            "externalIdentifier": "a",
            "parentOrigin": OWN_ORIGIN,
        },
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "parentOrigin"


# --- Browser: the Apps page ---------------------------------------------------------------


def test_apps_page_preview_as(admin_page: Page, admin_server: AdminServer) -> None:
    page = admin_page
    open_nav(page, "Apps")
    row = page.get_by_role("row").filter(has_text="admin-test")
    expect(row).to_contain_text("Admin test app")
    expect(row).to_contain_text(HOST_ORIGIN)
    row.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{admin_server.url}/admin/apps/admin-test")
    expect(page.get_by_role("heading", name="Releases of Admin test app")).to_be_visible()
    live = page.locator("tbody tr").filter(has=page.locator(".badge", has_text="live"))
    expect(live).to_contain_text("1.0.0")
    page.get_by_label("External identifier").fill("preview-user-1")
    page.get_by_label("Groups").select_option(label="suppliers")
    metadata = page.get_by_label("Metadata (JSON)")
    metadata.fill("{not json")
    expect(page.get_by_text("Not valid JSON")).to_be_visible()
    metadata.fill('{"supplierId": 7}')
    page.get_by_role("button", name="Preview", exact=True).click()
    frame = page.frame_locator("iframe.preview-frame")
    expect(frame.get_by_role("heading", name="Hello")).to_be_visible()


def test_apps_page_shows_field_errors(admin_page: Page) -> None:
    page = admin_page
    page.goto(page.url.split("/admin")[0] + "/admin/apps/admin-test")
    page.get_by_label("External identifier").fill("someone")
    page.get_by_role("button", name="Preview", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("groupIds")


def test_apps_page_diff_and_promote(
    admin_page: Page, admin_server: AdminServer, tmp_path: Path
) -> None:
    """A second release, stored without promoting: diff it, promote it, then roll back."""
    app_dir = write_admin_app(tmp_path)
    home = app_dir / "pages" / "home.yaml"
    home.write_text(home.read_text().replace("value: Hello", "value: Hello again"))
    run_cli(admin_server.env, "deploy", str(app_dir), "--no-promote")
    page = admin_page
    page.goto(f"{admin_server.url}/admin/apps/admin-test")
    releases = page.locator("tbody tr").filter(has_text="Promote")
    expect(releases).to_have_count(1)
    new_version = releases.first.locator("td").first.inner_text().strip()
    page.get_by_label("From").select_option("1.0.0")
    page.get_by_label("To").select_option(new_version)
    page.get_by_role("button", name="Show diff").click()
    expect(page.locator("pre.diff .diff-del")).to_contain_text(['-      "value": "Hello"'])
    expect(page.locator("pre.diff .diff-add")).to_contain_text(['+      "value": "Hello again"'])
    for version in (new_version, "1.0.0"):
        page.get_by_role("button", name=f"Promote {version}").click()
        dialog = page.get_by_role("dialog")
        expect(dialog).to_contain_text(f"Make {version} live?")
        dialog.get_by_role("button", name="Promote").click()
        expect(dialog).to_be_hidden()
        live = page.locator("tbody tr").filter(has=page.locator(".badge", has_text="live"))
        expect(live).to_contain_text(version)
        expect(page.get_by_role("row").filter(has_text="admin-test").first).to_contain_text(version)
