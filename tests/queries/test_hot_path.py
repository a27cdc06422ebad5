"""The query path's per-process reuse: decrypted resource configs (never stale, even when
another process changes the resource) and pooled read-only SQLite connections (which see
every commit and keep reads read-only)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from inset.db import Database
from inset.errors import InsetError
from inset.resources import service as resources
from inset.resources.connectors import get_connector
from inset.resources.connectors.sqlite import IDLE_READERS, SqliteConnector

from .helpers import Runner, add, make_bundle, make_query


def make_db(path: Path, value: str) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (v TEXT)")
    conn.execute("INSERT INTO t VALUES (?)", (value,))
    conn.commit()
    conn.close()
    return path


async def test_config_is_cached_and_an_update_by_another_process_is_seen_at_once(
    database: Database, tmp_path: Path, run: Runner
) -> None:
    first, second = make_db(tmp_path / "a.db", "a"), make_db(tmp_path / "b.db", "b")
    await add(database, "shop", "sqlite", str(first))
    bundle = make_bundle(q=make_query("SELECT v FROM t"))
    async with database.session() as session:
        one = await resources.get_resource_config(session, "shop", "production")
        again = await resources.get_resource_config(session, "shop", "production")
    assert again is one  # decrypted once
    assert (await run(bundle, "q"))["rows"] == [{"v": "a"}]

    other = Database(database.url)  # another process's engine
    try:
        async with other.session() as session:
            await resources.update_resource(session, "shop", url=str(second))
    finally:
        await other.dispose()
    assert (await run(bundle, "q"))["rows"] == [{"v": "b"}]  # the very next run
    async with database.session() as session:
        changed = await resources.get_resource_config(session, "shop", "production")
    assert changed is not one and changed.url == str(second.resolve())


async def test_a_deleted_resource_is_not_served_from_the_cache(
    database: Database, tmp_path: Path
) -> None:
    await add(database, "shop", "sqlite", str(make_db(tmp_path / "a.db", "a")))
    async with database.session() as session:
        await resources.get_resource_config(session, "shop", "production")
        await resources.delete_resource(session, "shop")
    async with database.session() as session:
        with pytest.raises(InsetError) as info:
            await resources.get_resource_config(session, "shop", "production")
    assert info.value.code == "unknown_resource"


async def test_read_connections_are_reused_and_see_new_commits(
    database: Database, tmp_path: Path, run: Runner
) -> None:
    path = make_db(tmp_path / "shop.db", "first")
    await add(database, "shop", "sqlite", str(path))
    bundle = make_bundle(
        q=make_query("SELECT v FROM t ORDER BY rowid"),
        w=make_query(
            "INSERT INTO t VALUES ({{ v }})",
            {"v": {"type": "string"}},
            kind="write",
            allowed_groups=["suppliers"],
        ),
        sneaky=make_query("INSERT INTO t VALUES ('read query')"),
    )
    assert (await run(bundle, "q"))["rowCount"] == 1
    async with database.session() as session:
        connector = await get_connector(
            await resources.get_resource_config(session, "shop", "production")
        )
    assert isinstance(connector, SqliteConnector)
    assert len(connector._idle) == 1
    reader = connector._idle[0][0]

    external = sqlite3.connect(path)  # another writer, outside Inset
    external.execute("INSERT INTO t VALUES ('external')")
    external.commit()
    external.close()
    await run(bundle, "w", {"v": "inset"})
    rows = (await run(bundle, "q"))["rows"]
    assert rows == [{"v": "first"}, {"v": "external"}, {"v": "inset"}]
    assert connector._idle[0][0] is reader  # the same connection, fresh data

    # A reused connection is still read-only, and a failed read is not put back.
    with pytest.raises(InsetError):
        await run(bundle, "sneaky")
    assert reader not in [conn for conn, _ in connector._idle]
    assert (await run(bundle, "q"))["rowCount"] == 3
    assert len(connector._idle) <= IDLE_READERS
