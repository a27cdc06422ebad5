"""The dev loop on a real metadata database: drafts, reloads, the watcher, the resource
overlay, and previews minted through the dev API of the real ASGI app (httpx)."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from inset.access import service as access
from inset.app import create_app
from inset.apps import storage as app_storage
from inset.apps.models import App, Release
from inset.apps.service import deploy_directory, promote_release
from inset.auth.models import AccessToken
from inset.db import Database
from inset.dev.drafts import DEV_ENVIRONMENT, SqliteOverride, draft_number, parse_override
from inset.dev.routes import mount_dev
from inset.dev.service import TOKEN_NAME, DevService
from inset.resources import service as resources
from inset.resources import storage as resource_storage
from inset.settings import Settings
from tests.dev.apps import (
    APP_UUID,
    GROUP,
    RESOURCE,
    SLUG,
    write_app,
    write_broken_page,
    write_page,
    write_tenant_db,
)

ORIGIN = "http://127.0.0.1:8700"
BOOT = re.compile(r'<script type="application/json" id="inset-boot">(.*?)</script>', re.S)


async def _seed(database: Database, tenant_db: Path) -> None:
    async with database.session() as session:
        await access.create_group(session, GROUP)
        await access.create_group(session, "staff")
        await resources.add_resource(session, RESOURCE, "sqlite", str(tenant_db))


@pytest.fixture
async def dev(database: Database, tmp_path: Path) -> AsyncIterator[DevService]:
    """A started DevService on the test's metadata database, closed after the test."""
    await _seed(database, write_tenant_db(tmp_path / "tenant.db"))
    write_app(tmp_path / "apps")
    lines: list[str] = []
    service = DevService(database, tmp_path / "apps", [ORIGIN], out=lines.append)
    await service.start()
    try:
        yield service
    finally:
        await service.close()


def _lines(service: DevService) -> list[str]:
    out = service.out
    return list(out.__self__)  # type: ignore[attr-defined]


async def _app(database: Database) -> App:
    async with database.session() as session:
        row = await app_storage.app_by_uuid(session, APP_UUID)
        assert row is not None
        return row


@pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)
async def test_start_stores_a_draft_without_moving_latest(
    dev: DevService, database: Database
) -> None:
    assert dev.state.ok
    (draft,) = dev.state.drafts
    assert (draft.slug, draft.version, draft.status) == (SLUG, "draft-1", "created")
    assert draft.groups == [GROUP]
    assert draft.pages == [{"name": "rows", "title": "Rows"}]
    assert (await _app(database)).latest_release_id is None  # no production release
    async with database.session() as session:
        release = await session.get(Release, draft.release_id)
        assert release is not None
        assert release.bundle["draft"] is True
        assert ORIGIN in release.bundle["embed"]["parentOrigins"]
    assert re.fullmatch(r"validated 2 files, deployed draft 1 in \d+ ms", _lines(dev)[-1])


async def test_change_on_disk_stores_the_next_draft_and_same_content_reuses_it(
    dev: DevService, tmp_path: Path
) -> None:
    first = dev.state.drafts[0]
    generation = dev.state.generation
    write_page(tmp_path / "apps" / SLUG, "Second heading")
    state = await dev.reload()
    second = state.drafts[0]
    assert (second.version, second.status) == ("draft-2", "created")
    assert second.release_id != first.release_id
    assert state.generation == generation + 1
    again = await dev.reload()  # nothing changed: no new release, no new generation
    assert again.drafts[0].release_id == second.release_id
    assert again.drafts[0].status == "unchanged"
    assert again.generation == generation + 1
    assert _lines(dev)[-1].startswith("validated 2 files, draft 2 unchanged in ")


async def test_broken_yaml_reports_file_line_and_keeps_the_last_draft(
    dev: DevService, tmp_path: Path
) -> None:
    good = dev.state.drafts[0]
    app_dir = tmp_path / "apps" / SLUG
    write_broken_page(app_dir)
    state = await dev.reload()
    assert not state.ok
    assert state.drafts == [good]  # the last good draft is still what previews show
    page_file = f"{tmp_path / 'apps'}/{SLUG}/pages/rows.yaml"
    assert state.errors and all(e.file == page_file for e in state.errors)
    assert state.errors[0].line >= 3
    body = state.to_dict()
    assert body["errors"][0]["text"].startswith(f"{page_file}:{state.errors[0].line}: ")
    lines = _lines(dev)
    assert lines[-len(state.errors) - 1] == (
        f"validated 2 files: {len(state.errors)} error{'s' if len(state.errors) > 1 else ''}"
    )
    assert lines[-1].startswith(f"{page_file}:")
    write_page(app_dir, "Fixed heading")
    fixed = await dev.reload()
    assert fixed.ok and not fixed.errors
    assert fixed.drafts[0].version == "draft-2"


async def test_unknown_resource_is_an_error_at_its_line(dev: DevService, tmp_path: Path) -> None:
    app_yaml = tmp_path / "apps" / SLUG / "app.yaml"
    app_yaml.write_text(app_yaml.read_text().replace(f"resource: {RESOURCE}", "resource: nope"))
    state = await dev.reload()
    assert not state.ok
    (error,) = state.errors
    assert (error.file.endswith("app.yaml"), error.line) == (True, 8)
    assert "unknown resource 'nope'" in error.message


async def test_production_releases_are_untouched(database: Database, tmp_path: Path) -> None:
    await _seed(database, write_tenant_db(tmp_path / "tenant.db"))
    write_app(tmp_path / "apps")
    async with database.session() as session:
        report = await deploy_directory(session, tmp_path / "apps")
    (deployed,) = report.apps
    service = DevService(database, tmp_path / "apps", [ORIGIN], out=lambda _: None)
    await service.start()
    try:
        write_page(tmp_path / "apps" / SLUG, "Draft only")
        await service.reload()
        assert [d.version for d in service.state.drafts] == ["draft-2"]
        row = await _app(database)
        assert row.latest_release_id == deployed.release_id
        # A real deploy afterwards ignores drafts when choosing its version ...
        async with database.session() as session:
            report = await deploy_directory(session, tmp_path / "apps")
        assert report.apps[0].version == "1.0.1"
        # ... and a draft can never be promoted to production.
        async with database.session() as session:
            with pytest.raises(Exception, match="is not a version like"):
                await promote_release(session, SLUG, "draft-2")
    finally:
        await service.close()


async def test_the_watcher_redeploys_after_a_change(dev: DevService, tmp_path: Path) -> None:
    stop = asyncio.Event()
    watcher = asyncio.create_task(dev.watch(stop))
    try:
        await asyncio.sleep(0.3)  # let the watcher start watching before the change
        write_page(tmp_path / "apps" / SLUG, "Watched heading")
        for _ in range(400):
            if dev.state.drafts[0].version == "draft-2":
                break
            await asyncio.sleep(0.05)
        assert dev.state.drafts[0].version == "draft-2", _lines(dev)
    finally:
        stop.set()
        await watcher


async def test_close_revokes_the_preview_token_and_undoes_resource_configs(
    database: Database, tmp_path: Path
) -> None:
    tenant_db = write_tenant_db(tmp_path / "tenant.db")
    await _seed(database, tenant_db)
    other = write_tenant_db(tmp_path / "other.db")
    async with database.session() as session:
        await resources.add_resource(session, "kept", "sqlite", str(tenant_db))
        await resources.add_resource(
            session, "kept", "sqlite", str(tenant_db), environment=DEV_ENVIRONMENT
        )
    write_app(tmp_path / "apps")
    lines: list[str] = []
    service = DevService(
        database,
        tmp_path / "apps",
        [ORIGIN],
        [SqliteOverride("kept", str(other)), SqliteOverride("fresh", str(other))],
        out=lines.append,
    )
    await service.start()
    assert any(f"resource '{RESOURCE}': previews use its production config" in x for x in lines)
    async with database.session() as session:
        for name, expected in ((RESOURCE, tenant_db), ("kept", other), ("fresh", other)):
            config = await resources.get_resource_config(session, name, DEV_ENVIRONMENT)
            assert config.url == str(expected)
    await service.close()
    async with database.session() as session:
        dev_configs = {
            r.name: resource_storage.decrypt_config(r)["url"]
            for r in await resource_storage.list_resources(session)
            if r.environment == DEV_ENVIRONMENT
        }
        assert dev_configs == {"kept": str(tenant_db)}  # restored; the added ones removed
        tokens = list(await session.scalars(select(AccessToken)))
        assert [(t.name, t.revoked_at is not None) for t in tokens] == [(TOKEN_NAME, True)]


def test_parse_override() -> None:
    parsed = parse_override("db=sqlite:/tmp/x.db")
    assert (parsed.name, parsed.path) == ("db", "/tmp/x.db")
    for bad in ("db", "db=postgres:/x", "=sqlite:/x", "db=sqlite:"):
        with pytest.raises(ValueError, match="is not NAME=sqlite:PATH"):
            parse_override(bad)
    assert draft_number("draft-12") == 12
    assert draft_number("1.0.0") is None
    assert draft_number("draft-x") is None


# ---------------------------------------------------------------- the dev API over HTTP


@pytest.fixture
async def http(dev: DevService, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(database=database)
    mount_dev(app, dev)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=ORIGIN) as client:
        yield client


def _who(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "app": SLUG,
        "externalIdentifier": "user-a",
        "groups": [GROUP],
        "metadata": {"tenant": "a"},
    }
    body.update(changes)
    return body


async def _rows_as(http: httpx.AsyncClient, **changes: object) -> list[str]:
    minted = await http.post("/dev/api/preview", json=_who(**changes), headers={"Origin": ORIGIN})
    assert minted.status_code == 200, minted.text
    url = minted.json()["url"]
    assert url.startswith("/embed/r/")
    page = await http.get(url)
    assert page.status_code == 200
    assert f"frame-ancestors {ORIGIN}" in page.headers["content-security-policy"]
    match = BOOT.search(page.text)
    assert match is not None
    boot = json.loads(match.group(1))
    assert boot["parentOrigin"] == ORIGIN
    result = await http.post(
        "/api/runtime/queries/rows/run",
        json={"params": {}},
        headers={"Authorization": f"Bearer {boot['sessionToken']}"},
    )
    assert result.status_code == 200, result.text
    return [row["label"] for row in result.json()["rows"]]


async def test_state_lists_drafts_groups_and_identity(
    http: httpx.AsyncClient, dev: DevService
) -> None:
    dev.identity = {"externalIdentifier": "someone", "groups": [], "metadata": {"tenant": "b"}}
    state = (await http.get("/dev/api/state")).json()
    assert state["ok"] is True
    assert state["drafts"][0]["version"] == "draft-1"
    assert state["groups"] == ["staff", GROUP]
    assert state["identity"]["metadata"] == {"tenant": "b"}
    page = await http.get("/dev")
    assert page.status_code == 200
    assert '<script type="module" src="/dev/static/dev.js' in page.text
    assert "script-src 'self';" in page.headers["content-security-policy"]
    assert (await http.get("/dev/static/dev.js")).status_code == 200


async def test_preview_shows_each_users_own_rows(http: httpx.AsyncClient) -> None:
    assert await _rows_as(http) == ["alpha-1", "alpha-2"]
    assert await _rows_as(http, externalIdentifier="user-b", metadata={"tenant": "b"}) == ["beta-1"]


async def test_preview_session_runs_in_development_with_the_draft(
    http: httpx.AsyncClient, dev: DevService, database: Database
) -> None:
    await _rows_as(http)
    async with database.session() as session:
        from inset.embed.models import EmbedSession

        (row,) = list(await session.scalars(select(EmbedSession)))
        assert row.environment == DEV_ENVIRONMENT
        assert row.release_id == dev.state.drafts[0].release_id


@pytest.mark.parametrize(
    ("changes", "headers", "status", "field"),
    [
        ({}, {"Origin": "https://evil.example"}, 403, "Origin"),
        ({}, {}, 403, "Origin"),
        ({"groups": ["staff"]}, {"Origin": ORIGIN}, 403, "groupIds"),
        ({"groups": ["nobody"]}, {"Origin": ORIGIN}, 422, "groups"),
        ({"app": "other"}, {"Origin": ORIGIN}, 422, "app"),
        ({"metadata": [1]}, {"Origin": ORIGIN}, 422, "metadata"),
        ({"page": "missing"}, {"Origin": ORIGIN}, 422, "pageName"),
        ({"externalIdentifier": ""}, {"Origin": ORIGIN}, 422, "externalIdentifier"),
    ],
)
async def test_bad_previews_are_clear_4xx(
    http: httpx.AsyncClient,
    changes: dict[str, object],
    headers: dict[str, str],
    status: int,
    field: str,
) -> None:
    response = await http.post("/dev/api/preview", json=_who(**changes), headers=headers)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["field"] == field
    assert error["message"]


async def test_dev_routes_refuse_an_external_instance(dev: DevService, database: Database) -> None:
    app = create_app(Settings(role="external"), database=database)
    mount_dev(app, dev)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=ORIGIN) as client:
        response = await client.get("/dev/api/state")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "internal_only"


async def test_no_dev_page_without_dev_mode(client: httpx.AsyncClient) -> None:
    for path in ("/dev", "/dev/api/state", "/dev/static/dev.js"):
        assert (await client.get(path)).status_code == 404
    response = await client.post("/dev/api/preview", json=_who())
    assert response.status_code == 404


async def test_check_again_after_creating_a_missing_group(
    http: httpx.AsyncClient, dev: DevService, database: Database, tmp_path: Path
) -> None:
    app_yaml = tmp_path / "apps" / SLUG / "app.yaml"
    app_yaml.write_text(app_yaml.read_text().replace(f"group: {GROUP}", "group: partners"))
    state = await dev.reload()
    assert [e.message for e in state.errors] == ["unknown group 'partners'"]
    refused = await http.post("/dev/api/reload", json={})  # no Origin: not the dev page
    assert refused.status_code == 403
    async with database.session() as session:
        await access.create_group(session, "partners")
    checked = await http.post("/dev/api/reload", json={}, headers={"Origin": ORIGIN})
    assert checked.status_code == 200
    assert checked.json()["ok"] is True
    assert checked.json()["drafts"][0]["groups"] == ["partners"]


async def test_other_host_names_are_refused(http: httpx.AsyncClient) -> None:
    """DNS rebinding: a page on another site pointing its name at 127.0.0.1."""
    response = await http.get("/dev/api/state", headers={"Host": "evil.example:8700"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "bad_host"


async def test_a_folder_of_apps_gets_a_draft_each(dev: DevService, tmp_path: Path) -> None:
    second = tmp_path / "apps" / "second-app"
    (second / "pages").mkdir(parents=True)
    source = tmp_path / "apps" / SLUG
    (second / "app.yaml").write_text(
        (source / "app.yaml").read_text().replace(APP_UUID, "9d0c3b1e-2f4a-4c6b-8e7d-1a2b3c4d5e6f")
    )
    (second / "pages" / "rows.yaml").write_text((source / "pages" / "rows.yaml").read_text())
    state = await dev.reload()
    assert [(d.slug, d.version) for d in state.drafts] == [
        ("second-app", "draft-1"),
        (SLUG, "draft-1"),
    ]
    assert _lines(dev)[-1].startswith(
        f"validated 4 files, deployed second-app draft 1, {SLUG} draft 1 unchanged in "
    )
