"""Deploy against a real metadata database: releases, hashes, versions, all-or-nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from inset.access import service as access
from inset.apps import service
from inset.apps.bundle import build_bundle, content_hash
from inset.apps.models import App, Release
from inset.apps.validation import check_apps_root
from inset.audit.models import AuditEvent
from inset.db import Database
from inset.errors import ValidationFailed
from inset.resources.models import Resource

from .conftest import APP_UUID, WriteApp, line_of

OTHER_UUID = "11111111-2222-4333-8444-555555555555"


async def seed(
    database: Database,
    groups: tuple[str, ...] = ("suppliers", "supplier-admins"),
    resources: tuple[str, ...] = ("warehouse", "billing"),
) -> None:
    async with database.session() as session:
        for name in groups:
            await access.create_group(session, name)
        for name in resources:
            session.add(
                Resource(
                    name=name,
                    environment="staging",
                    type="sqlite",
                    config_encrypted="not-read-by-deploy",
                )
            )


async def deploy(database: Database, path: Path, **kwargs: str) -> service.DeployReport:
    async with database.session() as session:
        return await service.deploy_directory(session, path, **kwargs)


async def deploy_error(database: Database, path: Path) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as raised:
        await deploy(database, path)
    assert raised.value.code == "invalid_app"
    return raised.value


async def count(database: Database, model: type[App] | type[Release]) -> int:
    async with database.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)
async def test_deploy_creates_a_release(database: Database, write_app: WriteApp) -> None:
    await seed(database)
    directory = write_app()
    report = await deploy(database, directory.parent, git_commit="abc123", git_message="Add app")
    [result] = report.apps
    assert (result.slug, result.uuid, result.status, result.version, result.app_created) == (
        "supplier-portal",
        APP_UUID,
        "created",
        "1.0.0",
        True,
    )
    expected = build_bundle(check_apps_root(directory).apps[0], "1.0.0")
    async with database.session() as session:
        app = await session.scalar(select(App))
        assert app is not None
        assert (app.uuid, app.slug, app.name) == (APP_UUID, "supplier-portal", "Supplier portal")
        release = await session.get(Release, result.release_id)
        assert release is not None and app.latest_release_id == release.id
        assert release.bundle == expected
        assert release.content_hash == content_hash(expected) == result.content_hash
        assert (release.version, release.git_commit, release.git_message) == (
            "1.0.0",
            "abc123",
            "Add app",
        )
        events = list(await session.scalars(select(AuditEvent)))
        assert [(e.type, e.app_id, e.data["version"]) for e in events] == [
            ("admin.app_deployed", app.id, "1.0.0")
        ]


async def test_identical_redeploy_creates_nothing(database: Database, write_app: WriteApp) -> None:
    await seed(database)
    root = write_app().parent
    first = await deploy(database, root)
    again = await deploy(database, root, git_commit="def456")
    assert [(a.status, a.version, a.release_id) for a in again.apps] == [
        ("unchanged", "1.0.0", first.apps[0].release_id)
    ]
    assert await count(database, Release) == 1


@pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)
async def test_changed_content_gets_the_next_patch_and_a_revert_is_restored(
    database: Database, write_app: WriteApp
) -> None:
    await seed(database)
    directory = write_app()
    sql = directory / "queries" / "inventory.sql"
    original = sql.read_text()
    first = await deploy(database, directory)  # a single app folder works too
    sql.write_text(original.replace("ORDER BY sku", "ORDER BY name"))
    second = await deploy(database, directory)
    assert [(a.status, a.version) for a in second.apps] == [("created", "1.0.1")]
    sql.write_text(original)
    third = await deploy(database, directory)
    assert [(a.status, a.version) for a in third.apps] == [("restored", "1.0.0")]
    async with database.session() as session:
        app = await service.resolve_app(session, "supplier-portal")
        assert app.latest_release_id == first.apps[0].release_id
        latest = await service.resolve_release(session, app, "latest")
        assert latest.version == "1.0.0"
        assert [r.version for r in await service.list_releases(session, APP_UUID)] == [
            "1.0.1",
            "1.0.0",
        ]
    assert await count(database, Release) == 2


async def test_explicit_versions(database: Database, write_app: WriteApp) -> None:
    await seed(database)
    directory = write_app(
        replace={"app.yaml": ("name: Supplier portal", 'name: Supplier portal\nversion: "2.0.0"')}
    )
    app_yaml = directory / "app.yaml"
    assert [a.version for a in (await deploy(database, directory)).apps] == ["2.0.0"]

    text = app_yaml.read_text()
    app_yaml.write_text(
        text.replace('version: "2.0.0"', 'version: "1.9.0"').replace("Supplier portal", "Portal")
    )
    error = await deploy_error(database, directory)
    [detail] = error.details
    assert detail["file"] == f"{directory}/app.yaml"
    assert detail["line"] == line_of(app_yaml.read_text(), 'version: "1.9.0"')
    assert detail["message"] == "version 1.9.0 is not greater than the latest release 2.0.0"
    assert "2.0.1" in detail["hint"]

    app_yaml.write_text(app_yaml.read_text().replace('version: "1.9.0"', 'version: "2.0.0"'))
    error = await deploy_error(database, directory)  # equal is not greater either
    assert "not greater" in error.details[0]["message"]
    assert await count(database, Release) == 1

    app_yaml.write_text(app_yaml.read_text().replace('version: "2.0.0"\n', ""))
    assert [a.version for a in (await deploy(database, directory)).apps] == ["2.0.1"]
    async with database.session() as session:
        app = await service.resolve_app(session, APP_UUID)
        assert app.name == "Portal"


async def test_one_invalid_app_stores_nothing(
    database: Database, write_app: WriteApp, tmp_path: Path
) -> None:
    await seed(database)
    write_app("good")
    write_app("bad", replace={
        "app.yaml": (f"uuid: {APP_UUID}", f"uuid: {OTHER_UUID}"),
        "pages/inventory.yaml": ("type: divider", "type: dividr"),
    })  # fmt: skip
    error = await deploy_error(database, tmp_path / "apps")
    assert [(Path(d["file"]).name, d["message"]) for d in error.details] == [
        ("inventory.yaml", "unknown component type 'dividr'")
    ]
    assert error.to_body()["error"]["details"] == error.details
    assert await count(database, App) == 0 and await count(database, Release) == 0


async def test_unknown_groups_and_resources_are_errors(
    database: Database, write_app: WriteApp
) -> None:
    await seed(database, groups=("suppliers",), resources=("warehouse",))
    directory = write_app()
    text = (directory / "app.yaml").read_text()
    error = await deploy_error(database, directory)
    found = sorted((d["line"], d["message"]) for d in error.details)
    assert found == sorted([
        (line_of(text, "group: supplier-admins"), "unknown group 'supplier-admins'"),
        (line_of(text, "allowedGroups: [supplier-admins]"), "unknown group 'supplier-admins'"),
        (line_of(text, "resource: billing"), "unknown resource 'billing'"),
    ])  # fmt: skip
    hints = {d["message"]: d["hint"] for d in error.details}
    assert "inset groups create supplier-admins" in hints["unknown group 'supplier-admins'"]
    assert await count(database, App) == 0


async def test_slug_taken_by_another_app(
    database: Database, write_app: WriteApp, tmp_path: Path
) -> None:
    await seed(database)
    await deploy(database, write_app("portal"))
    other = write_app(
        "portal",
        root=tmp_path / "other",
        replace={"app.yaml": (f"uuid: {APP_UUID}", f"uuid: {OTHER_UUID}")},
    )
    error = await deploy_error(database, other)
    [detail] = error.details
    assert (detail["file"], detail["line"]) == (f"{other}/app.yaml", 1)
    assert "slug 'portal'" in detail["message"] and APP_UUID in detail["message"]
    assert await count(database, App) == 1


async def test_renamed_folder_keeps_the_app(
    database: Database, write_app: WriteApp, tmp_path: Path
) -> None:
    await seed(database)
    await deploy(database, write_app("portal"))
    report = await deploy(database, write_app("supplier-portal", root=tmp_path / "moved"))
    assert [(a.slug, a.status, a.version, a.app_created) for a in report.apps] == [
        ("supplier-portal", "created", "1.0.1", False)
    ]
    assert await count(database, App) == 1


async def test_resolve_app_and_release(database: Database, write_app: WriteApp) -> None:
    await seed(database)
    await deploy(database, write_app())
    async with database.session() as session:
        by_uuid = await service.resolve_app(session, APP_UUID.upper(), field="landingPageUuid")
        by_slug = await service.resolve_app(session, "supplier-portal", field="landingPageUuid")
        assert by_uuid.id == by_slug.id
        for ref in ("00000000-0000-0000-0000-000000000000", "nope", "", "x" * 500):
            with pytest.raises(ValidationFailed) as raised:
                await service.resolve_app(session, ref, field="landingPageUuid")
            assert raised.value.field == "landingPageUuid" and raised.value.code == "unknown_app"
            assert raised.value.message.startswith("landingPageUuid: unknown app")
            assert len(raised.value.message) < 120
        assert (await service.resolve_release(session, by_uuid)).version == "1.0.0"
        assert (await service.resolve_release(session, by_uuid, "1.0.0")).version == "1.0.0"
        with pytest.raises(ValidationFailed) as raised:
            await service.resolve_release(session, by_uuid, "9.9.9")
        assert raised.value.field == "releaseVersion" and raised.value.code == "unknown_release"
        empty = App(uuid=OTHER_UUID, slug="empty", name="Empty")
        session.add(empty)
        await session.flush()
        with pytest.raises(ValidationFailed) as raised:
            await service.resolve_release(session, empty, "latest", field="releaseVersion")
        assert raised.value.code == "no_release" and raised.value.field == "releaseVersion"
        with pytest.raises(ValidationFailed) as raised:
            await service.list_releases(session, "nope")
        assert raised.value.field == "app"
