"""Admin resources API: list with secrets masked, type-specific add/edit (an empty secret
keeps the stored one), test connection, delete; audited with before/after, masked."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from inset.audit.models import AuditEvent
from inset.db import Database
from inset.resources import service
from tests.admin.conftest import AdminServer, open_nav
from tests.factories import World, bearer, make_world

PASSWORD = "s3cret-Pa55word"
HEADER_SECRET = "Bearer rest-secret-value"


@pytest.fixture
async def world(database: Database) -> World:
    return await make_world(database)


def _admin(world: World) -> dict[str, str]:
    return bearer(world.tokens["admin"])


async def _audit(database: Database, prefix: str) -> list[AuditEvent]:
    async with database.session() as session:
        rows = await session.scalars(
            select(AuditEvent).where(AuditEvent.type.like(prefix + "%")).order_by(AuditEvent.seq)
        )
        return list(rows)


async def test_postgres_form_roundtrip_keeps_the_password(
    client: httpx.AsyncClient, database: Database, world: World, pg_database: str
) -> None:
    form = {
        "name": "warehouse",
        "environment": "staging",
        "type": "postgres",
        "host": "127.0.0.1",
        "port": 5432,
        "database": pg_database.rsplit("/", 1)[1],
        "user": "postgres",
        "password": PASSWORD,
        "ssl": "prefer",
    }
    created = await client.post("/api/v1/resources", headers=_admin(world), json=form)
    assert created.status_code == 201, created.text
    assert PASSWORD not in created.text
    assert created.json()["password"] == {"set": True}
    assert created.json()["host"] == "127.0.0.1"
    listed = await client.get("/api/v1/resources", headers=_admin(world))
    assert PASSWORD not in listed.text
    [view] = listed.json()
    assert (view["name"], view["environment"], view["ssl"]) == ("warehouse", "staging", "prefer")
    # Edit with an empty password: the stored one is kept.
    edited = await client.put(
        "/api/v1/resources/warehouse?environment=staging",
        headers=_admin(world),
        json={**form, "password": "", "port": 5432, "ssl": "disable"},
    )
    assert edited.status_code == 200, edited.text
    async with database.session() as session:
        config = await service.get_resource_config(session, "warehouse", "staging")
    assert f":{PASSWORD}@" in config.url and "sslmode=disable" in config.url
    tested = await client.post(
        "/api/v1/resources/warehouse/test?environment=staging", headers=_admin(world)
    )
    assert tested.json()["ok"] is True, tested.text
    events = await _audit(database, "admin.resource.")
    assert [e.type for e in events] == ["admin.resource.created", "admin.resource.updated"]
    assert events[1].data["before"]["ssl"] == "prefer"
    assert events[1].data["after"]["ssl"] == "disable"
    assert PASSWORD not in json.dumps([e.data for e in events])


async def test_failed_test_names_no_dsn_or_password(
    client: httpx.AsyncClient, world: World
) -> None:
    form = {
        "name": "broken",
        "type": "postgres",
        "host": "127.0.0.1",
        "port": 1,
        "database": "nothing",
        "user": "someone",
        "password": PASSWORD,
    }
    assert (await client.post("/api/v1/resources", headers=_admin(world), json=form)).is_success
    tested = await client.post("/api/v1/resources/broken/test", headers=_admin(world))
    assert tested.status_code == 200
    body = tested.json()
    assert body["ok"] is False
    assert "could not connect" in body["message"] or "failed" in body["message"]
    assert PASSWORD not in tested.text and "postgresql://" not in tested.text


async def test_rest_headers_are_masked_and_kept(
    client: httpx.AsyncClient, database: Database, world: World
) -> None:
    form: dict[str, Any] = {
        "name": "api",
        "type": "rest",
        "baseUrl": "https://api.example.com/v1",
        "headers": [{"name": "Authorization", "value": HEADER_SECRET}],
        "allowPrivateNetwork": True,
    }
    created = await client.post("/api/v1/resources", headers=_admin(world), json=form)
    assert created.status_code == 201, created.text
    assert HEADER_SECRET not in created.text
    assert created.json()["headers"] == [{"name": "Authorization", "value": {"set": True}}]
    assert created.json()["allowPrivateNetwork"] is True
    kept = {
        **form,
        "headers": [{"name": "Authorization", "value": ""}],
        "allowPrivateNetwork": False,
    }
    edited = await client.put("/api/v1/resources/api", headers=_admin(world), json=kept)
    assert edited.status_code == 200, edited.text
    async with database.session() as session:
        config = await service.get_resource_config(session, "api", "production")
    assert config.headers == {"Authorization": HEADER_SECRET}
    assert config.options == {}
    new_header = {**form, "headers": [{"name": "X-Key", "value": ""}]}
    missing = await client.put("/api/v1/resources/api", headers=_admin(world), json=new_header)
    assert missing.status_code == 422
    assert missing.json()["error"]["field"] == "headers.0.value"


async def test_sqlite_add_test_and_delete(
    client: httpx.AsyncClient, database: Database, world: World, tmp_path: Path
) -> None:
    path = tmp_path / "shop.db"
    sqlite3.connect(path).close()
    form = {"name": "shop", "type": "sqlite", "path": str(path)}
    created = await client.post("/api/v1/resources", headers=_admin(world), json=form)
    assert created.status_code == 201, created.text
    assert created.json()["path"] == str(path)
    tested = await client.post("/api/v1/resources/shop/test", headers=_admin(world))
    assert tested.json()["ok"] is True
    again = await client.post("/api/v1/resources", headers=_admin(world), json=form)
    assert again.status_code == 409
    assert again.json()["error"]["field"] == "name"
    deleted = await client.delete("/api/v1/resources/shop", headers=_admin(world))
    assert deleted.status_code == 204
    assert (await client.get("/api/v1/resources", headers=_admin(world))).json() == []
    gone = await client.delete("/api/v1/resources/shop", headers=_admin(world))
    assert gone.status_code == 404
    types = [e.type for e in await _audit(database, "admin.resource.")]
    assert types == ["admin.resource.created", "admin.resource.deleted"]


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"name": "", "type": "sqlite", "path": "/x.db"}, "name"),
        ({"name": "a", "type": "oracle"}, "type"),
        ({"name": "a", "type": "sqlite"}, "path"),
        ({"name": "a", "type": "postgres", "database": "d"}, "host"),
        ({"name": "a", "type": "postgres", "host": "h", "database": "d", "port": 70000}, "port"),
        ({"name": "a", "type": "mysql", "host": "h"}, "database"),
        ({"name": "a", "type": "mysql", "host": "h", "database": "d", "ssl": "require"}, "ssl"),
        ({"name": "a", "type": "rest", "baseUrl": "ftp://x"}, "baseUrl"),
        (
            {
                "name": "a",
                "type": "rest",
                "baseUrl": "https://x",
                "headers": [{"name": "a b", "value": "v"}],
            },
            "headers",
        ),
        (
            {"name": "a", "type": "sqlite", "path": "/x.db", "environment": "no spaces"},
            "environment",
        ),
        ({"name": "a", "type": "sqlite", "path": "/x.db", "extra": 1}, "extra"),
    ],
)
async def test_bad_input_names_the_field(
    client: httpx.AsyncClient, world: World, form: dict[str, Any], field: str
) -> None:
    response = await client.post("/api/v1/resources", headers=_admin(world), json=form)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field


async def test_authz(client: httpx.AsyncClient, world: World) -> None:
    for method, path in [
        ("GET", "/api/v1/resources"),
        ("POST", "/api/v1/resources"),
        ("PUT", "/api/v1/resources/x"),
        ("DELETE", "/api/v1/resources/x"),
        ("POST", "/api/v1/resources/x/test"),
    ]:
        anonymous = await client.request(method, path, json={})
        assert anonymous.status_code == 401, (method, path)
        embed = await client.request(method, path, json={}, headers=bearer(world.tokens["embed"]))
        assert embed.status_code == 403, (method, path)


# --- Browser: the Resources page ------------------------------------------------------------


def test_resources_page_add_edit_test_delete(
    admin_page: Page, admin_server: AdminServer, tmp_path: Path
) -> None:
    database = tmp_path / "ui.db"
    sqlite3.connect(database).close()
    page = admin_page
    open_nav(page, "Resources")
    page.get_by_role("button", name="Add resource").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").fill("ui-postgres")
    dialog.get_by_label("Type").select_option("postgres")
    dialog.get_by_label("Host").fill("127.0.0.1")
    dialog.get_by_label("Port").fill("70000")
    dialog.get_by_label("Database").fill("postgres")
    dialog.get_by_label("User").fill("postgres")
    dialog.get_by_label("Password").fill(PASSWORD)
    dialog.get_by_role("button", name="Add resource").click()
    # The server's 422 names the field; the message is shown next to it.
    expect(dialog.locator(".field-invalid")).to_contain_text("Port")
    expect(dialog.locator(".field-invalid .field-error")).to_contain_text("65535")
    dialog.get_by_label("Port").fill("5432")
    dialog.get_by_role("button", name="Add resource").click()
    expect(dialog).to_be_hidden()
    row = page.get_by_role("row").filter(has_text="ui-postgres")
    expect(row).to_contain_text("127.0.0.1:5432/postgres")
    expect(row).to_contain_text("password set")
    assert PASSWORD not in page.content()
    row.get_by_role("button", name="Test").click()
    expect(row.get_by_role("status")).to_contain_text("Connected in")
    # Edit: the password field is empty (never sent back); saving keeps the stored one.
    row.get_by_role("button", name="Edit").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Password")).to_have_value("")
    dialog.get_by_label("Port").fill("1")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    row.get_by_role("button", name="Test").click()
    expect(row.get_by_role("status")).to_contain_text("failed the test")
    assert PASSWORD not in page.content()
    row.get_by_role("button", name="Delete").click()
    confirm = page.get_by_role("dialog")
    expect(confirm).to_contain_text("Delete ui-postgres?")
    confirm.get_by_role("button", name="Delete").click()
    expect(page.get_by_role("row").filter(has_text="ui-postgres")).to_have_count(0)
    # A sqlite resource: a different form.
    page.get_by_role("button", name="Add resource").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").fill("ui-sqlite")
    dialog.get_by_label("Type").select_option("sqlite")
    expect(dialog.get_by_label("Host")).to_have_count(0)
    dialog.get_by_label("Database file path").fill(str(database))
    dialog.get_by_role("button", name="Add resource").click()
    row = page.get_by_role("row").filter(has_text="ui-sqlite")
    row.get_by_role("button", name="Test").click()
    expect(row.get_by_role("status")).to_contain_text("Connected in")
