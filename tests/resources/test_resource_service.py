"""Resource storage and rules on real metadata databases (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from inset import security
from inset.db import Database
from inset.errors import Conflict, InsetError, NotFound, UpstreamError, ValidationFailed
from inset.resources import service
from inset.resources.models import Resource
from inset.resources.schemas import mask_headers, mask_url
from inset.settings import get_settings

BOTH = pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)
PG_URL = "postgresql://reporter:pg-Secret-123@db.internal:5432/sales?sslmode=require"
MY_URL = "mysql://app:my%40Secret@mysql.internal:3306/shop"
REST_URL = "https://svc:rest-Secret@api.example.com/v1?api_key=rest-Key-456&page=1"
SECRETS = ("pg-Secret-123", "my@Secret", "my%40Secret", "rest-Secret", "rest-Key-456", "hdr-789")


async def add(database: Database, name: str, type: str, url: str, **kwargs: Any) -> Resource:
    async with database.session() as session:
        return await service.add_resource(session, name, type, url, **kwargs)


def sqlite_file(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    return path


@BOTH
async def test_config_round_trips_encrypted(database: Database, tmp_path: Path) -> None:
    db_file = sqlite_file(tmp_path / "a.db")
    await add(database, "warehouse", "postgres", PG_URL, options={"poolMaxSize": 3})
    await add(database, "shop", "mysql", MY_URL, environment="staging")
    await add(database, "api", "rest", REST_URL, headers={"Authorization": "Bearer hdr-789"})
    await add(database, "local", "sqlite", str(db_file))
    async with database.session() as session:
        config = await service.get_resource_config(session, "warehouse", "production")
        assert (config.type, config.url, config.options) == ("postgres", PG_URL, {"poolMaxSize": 3})
        rest = await service.get_resource_config(session, "api", "production")
        assert rest.headers == {"Authorization": "Bearer hdr-789"}
        assert (await service.get_resource_config(session, "shop", "staging")).url == MY_URL
        assert (await service.get_resource_config(session, "local", "production")).url == str(
            db_file
        )
        stored = " ".join(await session.scalars(select(Resource.config_encrypted)))
    for secret in (*SECRETS, "db.internal", "reporter", str(db_file)):
        assert secret not in stored


@BOTH
async def test_list_masks_passwords_and_header_values(database: Database) -> None:
    await add(database, "warehouse", "postgres", PG_URL)
    await add(database, "shop", "mysql", MY_URL)
    await add(database, "api", "rest", REST_URL, headers={"Authorization": "Bearer hdr-789"})
    async with database.session() as session:
        views = {v.name: v for v in await service.list_resources(session)}
    assert views["warehouse"].url == (
        "postgresql://reporter:****@db.internal:5432/sales?sslmode=require"
    )
    assert views["shop"].url == "mysql://app:****@mysql.internal:3306/shop"
    assert views["api"].url == "https://svc:****@api.example.com/v1?api_key=****&page=1"
    assert views["api"].headers == {"Authorization": "****"}
    dumped = str([v.model_dump(mode="json", by_alias=True) for v in views.values()])
    for secret in SECRETS:
        assert secret not in dumped
    assert "createdAt" in dumped


def test_mask_url_cases() -> None:
    assert mask_url("/srv/data/shop.db") == "/srv/data/shop.db"
    assert mask_url("postgresql://u@h/db") == "postgresql://u@h/db"
    assert mask_url("postgresql://u:p@ss@h/db") == "postgresql://u:****@h/db"
    assert mask_url("postgresql://h/db?user=u&password=x&sslpassword=y") == (
        "postgresql://h/db?user=u&password=****&sslpassword=****"
    )
    assert mask_url("https://h/x?token=t&q=1") == "https://h/x?token=****&q=1"
    assert mask_headers({"X-Key": "secret"}) == {"X-Key": "****"}


@BOTH
async def test_same_name_and_environment_is_a_conflict(database: Database) -> None:
    await add(database, "warehouse", "postgres", PG_URL)
    with pytest.raises(Conflict) as info:
        await add(database, "warehouse", "mysql", MY_URL)
    assert (info.value.status_code, info.value.code, info.value.field) == (
        409,
        "resource_exists",
        "name",
    )
    await add(database, "warehouse", "postgres", PG_URL, environment="staging")
    async with database.session() as session:
        assert len(await service.list_resources(session)) == 2


@pytest.mark.parametrize("database", ["postgres"], indirect=True)
async def test_racing_adds_end_in_one_row_and_a_conflict(database: Database) -> None:
    first_added = asyncio.Event()

    async def first() -> None:
        async with database.session() as session:
            await service.add_resource(session, "warehouse", "postgres", PG_URL)
            first_added.set()
            await asyncio.sleep(0.5)  # the second insert waits on the unique index

    async def second() -> None:
        await first_added.wait()
        async with database.session() as session:
            # Pass the existence check (the first is not committed yet), then collide.
            await service.add_resource(session, "warehouse", "postgres", PG_URL)

    results = await asyncio.gather(first(), second(), return_exceptions=True)
    assert results[0] is None
    assert isinstance(results[1], Conflict)
    async with database.session() as session:
        assert len(await service.list_resources(session)) == 1


async def test_update_and_delete(database: Database, tmp_path: Path) -> None:
    await add(database, "api", "rest", REST_URL, headers={"X-Key": "hdr-789"})
    async with database.session() as session:
        await service.update_resource(session, "api", url="https://api2.example.com")
        config = await service.get_resource_config(session, "api", "production")
        assert config.url == "https://api2.example.com"
        assert config.headers == {"X-Key": "hdr-789"}  # kept
        with pytest.raises(ValidationFailed) as info:
            await service.update_resource(session, "api", type="postgres")
        assert info.value.field == "url"
        with pytest.raises(ValidationFailed) as info:
            await service.update_resource(session, "api", type="postgres", url=PG_URL)
        assert info.value.field == "headers"
        await service.update_resource(session, "api", type="postgres", url=PG_URL, headers={})
        assert (await service.get_resource_config(session, "api", "production")).type == "postgres"
        with pytest.raises(NotFound) as missing:
            await service.update_resource(session, "nope", url=PG_URL)
        assert missing.value.code == "unknown_resource"
        await service.delete_resource(session, "api")
        with pytest.raises(NotFound):
            await service.delete_resource(session, "api")
        assert await service.list_resources(session) == []


async def test_no_fallback_between_environments(database: Database) -> None:
    await add(database, "warehouse", "postgres", PG_URL)
    async with database.session() as session:
        with pytest.raises(NotFound) as info:
            await service.get_resource_config(session, "warehouse", "staging")
    assert info.value.code == "unknown_resource"
    assert "staging" in info.value.message


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "has space"}, "name"),
        ({"name": "-x"}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"environment": ""}, "environment"),
        ({"environment": "prod/1"}, "environment"),
        ({"type": "oracle"}, "type"),
        ({"url": ""}, "url"),
        ({"url": "   "}, "url"),
        ({"url": "postgresql://h/d\nb"}, "url"),
        ({"url": "mysql://u@h/db"}, "url"),
        ({"url": "postgresql://u@h:notaport/db"}, "url"),
        ({"url": "postgresql://u@h"}, "url"),
        ({"url": "postgresql://u@h/db?nonsense=1"}, "url"),
        ({"type": "mysql", "url": PG_URL}, "url"),
        ({"type": "mysql", "url": "mysql://u@h"}, "url"),
        ({"type": "mysql", "url": "mysql://u@h:99999/db"}, "url"),
        ({"type": "mysql", "url": "mysql://u@h/db?ssl=1"}, "url"),
        ({"type": "mysql", "url": "mysql:///db"}, "url"),
        ({"type": "sqlite", "url": "sqlite:///x.db"}, "url"),
        ({"type": "sqlite", "url": ":memory:"}, "url"),
        ({"type": "rest", "url": "http://api.example.com"}, "url"),
        ({"type": "rest", "url": "ftp://api.example.com"}, "url"),
        ({"type": "rest", "url": "https://"}, "url"),
        ({"type": "rest", "url": "https://[::1"}, "url"),
        ({"headers": {"X-Key": "v"}}, "headers"),
        ({"type": "rest", "url": "https://a.example", "headers": {"Bad Name": "v"}}, "headers"),
        (
            {"type": "rest", "url": "https://a.example", "headers": {"X": "a\r\nInjected: 1"}},
            "headers.X",
        ),
        ({"options": {"poolSize": 3}}, "options.poolSize"),
        ({"options": {"poolMaxSize": 0}}, "options.poolMaxSize"),
        ({"options": {"poolMaxSize": True}}, "options.poolMaxSize"),
        (
            {"type": "sqlite", "url": "/tmp/x.db", "options": {"poolMaxSize": 2}},
            "options.poolMaxSize",
        ),
    ],
)
async def test_invalid_input_names_the_field(
    database: Database, kwargs: dict[str, Any], field: str
) -> None:
    args: dict[str, Any] = {"name": "r", "type": "postgres", "url": PG_URL, **kwargs}
    name, type, url = args.pop("name"), args.pop("type"), args.pop("url")
    async with database.session() as session:
        with pytest.raises(ValidationFailed) as info:
            await service.add_resource(session, name, type, url, **args)
        assert info.value.field == field, info.value.message
        assert info.value.status_code == 422
        assert "pg-Secret-123" not in info.value.message
        assert await service.list_resources(session) == []


async def test_valid_urls_are_accepted(database: Database, tmp_path: Path) -> None:
    await add(database, "a", "rest", "http://localhost:8080/api")
    await add(database, "b", "rest", "http://127.0.0.1/api")
    await add(database, "c", "postgres", "postgres://u@localhost/db")
    await add(database, "d", "mysql", "mysql://u@localhost/db")
    await add(database, "e.x_1-y", "rest", "https://api.example.com")


async def test_sqlite_paths_are_stored_absolute(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    await add(database, "local", "sqlite", "data/shop.db")
    async with database.session() as session:
        config = await service.get_resource_config(session, "local", "production")
    assert config.url == str(tmp_path / "data" / "shop.db")


async def test_config_repr_hides_the_password(database: Database) -> None:
    await add(database, "warehouse", "postgres", PG_URL)
    async with database.session() as session:
        config = await service.get_resource_config(session, "warehouse", "production")
    assert "pg-Secret-123" not in repr(config) and "pg-Secret-123" not in f"{config}"
    assert "****" in repr(config)


# ------------------------------------------------------------------- test_resource


async def test_test_resource_sqlite(database: Database, tmp_path: Path) -> None:
    await add(database, "ok", "sqlite", str(sqlite_file(tmp_path / "ok.db")))
    await add(database, "missing", "sqlite", str(tmp_path / "missing.db"))
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    await add(database, "junk", "sqlite", str(junk))
    await add(database, "api", "rest", "https://api.invalid")  # .invalid never resolves
    async with database.session() as session:
        result = await service.test_resource(session, "ok")
        assert result.ok and result.type == "sqlite" and result.duration_ms >= 0
        with pytest.raises(UpstreamError) as info:
            await service.test_resource(session, "missing")
        assert info.value.code == "resource_unavailable" and "no such file" in info.value.message
        with pytest.raises(UpstreamError) as info:
            await service.test_resource(session, "junk")
        assert "not a SQLite database" in info.value.message
        with pytest.raises(InsetError) as unreachable:
            await service.test_resource(session, "api")
        assert unreachable.value.code == "resource_unavailable"
        assert "does not resolve" in unreachable.value.message
        with pytest.raises(NotFound):
            await service.test_resource(session, "ok", "staging")
    assert not (tmp_path / "missing.db").exists()


async def test_test_resource_postgres(database: Database, pg_database: str) -> None:
    await add(database, "pg", "postgres", pg_database)
    await add(database, "down", "postgres", "postgresql://u:pg-Secret-123@127.0.0.1:1/db")
    await add(database, "nodb", "postgres", pg_database + "_missing")
    async with database.session() as session:
        assert (await service.test_resource(session, "pg")).ok
        started = time.monotonic()
        with pytest.raises(UpstreamError) as info:
            await service.test_resource(session, "down")
        assert time.monotonic() - started < 5
        assert "server unreachable" in info.value.message
        assert "pg-Secret-123" not in info.value.message and "127.0.0.1" not in info.value.message
        with pytest.raises(UpstreamError) as info:
            await service.test_resource(session, "nodb")
        assert "database does not exist" in info.value.message


async def test_test_resource_mysql(database: Database, mysql_database: str) -> None:
    await add(database, "my", "mysql", mysql_database)
    await add(database, "nodb", "mysql", mysql_database + "_missing")
    async with database.session() as session:
        assert (await service.test_resource(session, "my")).ok
        with pytest.raises(UpstreamError) as info:
            await service.test_resource(session, "nodb")
        assert "database does not exist" in info.value.message


async def test_a_changed_secret_key_is_reported_not_crashed(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await add(database, "warehouse", "postgres", PG_URL)
    monkeypatch.setenv("INSET_SECRET_KEY", "another-key-" + "x" * 40)
    get_settings.cache_clear()
    security.reset_key_cache()
    try:
        async with database.session() as session:
            (view,) = await service.list_resources(session)
            assert "cannot decrypt" in view.url
            with pytest.raises(UpstreamError) as info:
                await service.get_resource_config(session, "warehouse", "production")
            assert info.value.code == "resource_undecryptable"
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
        security.reset_key_cache()
    assert os.environ["INSET_SECRET_KEY"].startswith("test-secret-key")
