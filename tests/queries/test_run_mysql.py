"""run_query on a real MariaDB resource, as a user with a password."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pymysql
import pytest

from inset.db import Database
from inset.errors import InsetError
from inset.resources import service as resources
from inset.resources.connectors import close_all_connectors
from inset.resources.connectors import mysql as mysql_connector

from .helpers import (
    INJECTIONS,
    LogCapture,
    Runner,
    add,
    audit_events,
    make_bundle,
    make_ctx,
    make_query,
)

pytestmark = pytest.mark.mysql

SCHEMA = [
    """CREATE TABLE stock (
        sku VARCHAR(20) PRIMARY KEY,
        name VARCHAR(100) NOT NULL,
        quantity INT NOT NULL,
        supplier_id INT NOT NULL,
        price DECIMAL(10, 2) NOT NULL,
        updated_at DATETIME(3) NOT NULL DEFAULT '2024-01-31 13:45:00.250',
        day DATE NOT NULL DEFAULT '2024-02-29',
        at_time TIME NOT NULL DEFAULT '26:01:02',
        raw VARBINARY(8) NOT NULL DEFAULT x'00ff',
        big BIGINT NOT NULL DEFAULT 1152921504606846976,
        meta JSON NULL
    ) CHARACTER SET utf8mb4""",
    """INSERT INTO stock (sku, name, quantity, supplier_id, price, meta) VALUES
        ('A-1', 'Apple', 10, 1, 1.50, '{"tags": ["a"]}'),
        ('A-2', 'Apricot', 5, 1, 2.25, NULL),
        ('B-1', 'Banana', 7, 2, 0.99, NULL),
        ('C-1', 'Cherry', 0, 3, 9.00, NULL)""",
    "CREATE TABLE digits (d INT)",
    "INSERT INTO digits VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)",
]


@dataclass
class My:
    admin_url: str
    user: str
    password: str
    url: str

    def stock(self) -> list[tuple[Any, ...]]:
        parts = urlsplit(self.admin_url)
        conn = pymysql.connect(
            host=parts.hostname,
            port=parts.port or 3306,
            user="root",
            password="",
            database=parts.path.lstrip("/"),
        )
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT sku, quantity, supplier_id FROM stock ORDER BY sku")
                return list(cur.fetchall())
        finally:
            conn.close()


@pytest.fixture
async def my(mysql_database: str, database: Database) -> AsyncIterator[My]:
    parts = urlsplit(mysql_database)
    dbname = parts.path.lstrip("/")
    user = f"inset_{uuid.uuid4().hex[:10]}"
    password = f"Pw-{uuid.uuid4().hex}-S3cret"
    conn = pymysql.connect(
        host=parts.hostname,
        port=parts.port or 3306,
        user="root",
        password="",
        database=dbname,
        autocommit=True,
    )
    try:
        with conn.cursor() as cur:
            for statement in SCHEMA:
                cur.execute(statement)
            cur.execute(f"CREATE USER '{user}'@'%' IDENTIFIED BY '{password}'")
            cur.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON `{dbname}`.* TO '{user}'@'%'")
        url = f"mysql://{user}:{password}@{parts.hostname}:{parts.port or 3306}/{dbname}"
        await add(database, "shop", "mysql", url)
        yield My(mysql_database, user, password, url)
    finally:
        await close_all_connectors()
        with conn.cursor() as cur:
            cur.execute(f"DROP USER IF EXISTS '{user}'@'%'")
        conn.close()


async def expect_error(coro: Any, status: int, code: str) -> InsetError:
    with pytest.raises(InsetError) as info:
        await coro
    assert (info.value.status_code, info.value.code) == (status, code), info.value.message
    return info.value


async def test_values_are_json_faithful(my: My, run: Runner) -> None:
    bundle = make_bundle(
        q=make_query(
            "SELECT sku, price, updated_at, day, at_time, raw, big, meta, NULL AS none "
            "FROM stock WHERE sku = 'A-1'"
        )
    )
    (row,) = (await run(bundle, "q"))["rows"]
    assert row == {
        "sku": "A-1",
        "price": "1.50",
        "updated_at": "2024-01-31T13:45:00.250000",
        "day": "2024-02-29",
        "at_time": "26:01:02",
        "raw": "AP8=",
        "big": "1152921504606846976",
        # MariaDB's JSON is LONGTEXT: it comes back as the text it stores.
        "meta": '{"tags": ["a"]}',
        "none": None,
    }


async def test_params_and_in_lists(my: My, run: Runner) -> None:
    declared = {
        "skus": {"type": "array", "items": {"type": "string"}},
        "since": {"type": "datetime"},
        "day": {"type": "date"},
        "flag": {"type": "boolean"},
    }
    bundle = make_bundle(
        q=make_query(
            "SELECT sku, {{ flag }} AS flag FROM stock WHERE sku IN {{ skus }} "
            "AND updated_at >= {{ since }} AND day = {{ day }} ORDER BY sku",
            declared,
        )
    )
    params = {
        "skus": ["A-1", "B-1", "x"],
        "since": "2024-01-31T15:00:00+02:00",  # 13:00 UTC
        "day": "2024-02-29",
        "flag": True,
    }
    assert (await run(bundle, "q", params))["rows"] == [
        {"sku": "A-1", "flag": 1},
        {"sku": "B-1", "flag": 1},
    ]
    assert (await run(bundle, "q", {**params, "skus": []}))["rows"] == []


async def test_injection_corpus_comes_back_as_data(my: My, run: Runner) -> None:
    before = my.stock()
    bundle = make_bundle(
        echo=make_query("SELECT {{ s }} AS v", {"s": {"type": "string"}}),
        lookup=make_query(
            "SELECT count(*) AS n FROM stock WHERE name = {{ s }} OR sku = {{ s }}",
            {"s": {"type": "string"}},
        ),
        contains=make_query(
            "SELECT count(*) AS n FROM stock WHERE INSTR(BINARY name, BINARY {{ s }}) > 0",
            {"s": {"type": "string"}},
        ),
    )
    for value in INJECTIONS:
        assert (await run(bundle, "echo", {"s": value}))["rows"] == [{"v": value}]
        lookup = (await run(bundle, "lookup", {"s": value}))["rows"][0]["n"]
        # MySQL compares strings with trailing-space and case-insensitive collation
        assert lookup == 0
        count = (await run(bundle, "contains", {"s": value}))["rows"][0]["n"]
        assert count == sum(value in name for name in ("Apple", "Apricot"))
    assert my.stock() == before


async def test_other_tenants_rows_never_come_back(my: My, run: Runner) -> None:
    bundle = make_bundle(
        mine=make_query(
            "SELECT sku FROM stock WHERE supplier_id = {{ current_user.metadata.supplierId }} "
            "ORDER BY sku"
        )
    )
    one = await run(bundle, "mine", None, make_ctx(metadata={"supplierId": 1}))
    assert [r["sku"] for r in one["rows"]] == ["A-1", "A-2"]
    two = await run(bundle, "mine", None, make_ctx(metadata={"supplierId": 2}))
    assert [r["sku"] for r in two["rows"]] == ["B-1"]
    assert (await run(bundle, "mine", None, make_ctx(metadata={})))["rows"] == []
    await expect_error(
        run(bundle, "mine", {"current_user": {"metadata": {"supplierId": 2}}}), 422, "unknown_param"
    )


async def test_writes_need_allowed_groups_and_count_matched_rows(my: My, run: Runner) -> None:
    before = my.stock()
    bundle = make_bundle(
        restock=make_query(
            "UPDATE stock SET quantity = {{ quantity }} "
            "WHERE supplier_id = {{ current_user.metadata.supplierId }}",
            {"quantity": {"type": "integer"}},
            kind="write",
            allowed_groups=["supplier-admins"],
        )
    )
    supplier = make_ctx(metadata={"supplierId": 1})
    await expect_error(run(bundle, "restock", {"quantity": 0}, supplier), 403, "query_forbidden")
    assert my.stock() == before
    admin = make_ctx(groups=("supplier-admins",), metadata={"supplierId": 1})
    assert await run(bundle, "restock", {"quantity": 5}, admin) == {"affectedRows": 2}
    # A-2 already had 5: matched rows are counted, not only changed ones.
    assert my.stock()[:2] == [("A-1", 5, 1), ("A-2", 5, 1)]
    assert my.stock()[2:] == before[2:]


async def test_constraint_violation_is_409(my: My, run: Runner) -> None:
    bundle = make_bundle(
        add_item=make_query(
            "INSERT INTO stock (sku, name, quantity, supplier_id, price) "
            "VALUES ({{ sku }}, 'x', 1, 1, 1)",
            {"sku": {"type": "string"}},
            kind="write",
            allowed_groups=["suppliers"],
        )
    )
    error = await expect_error(run(bundle, "add_item", {"sku": "A-1"}), 409, "constraint_violation")
    assert "A-1" not in error.message and "1062" in error.message


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE stock SET quantity = 0",
        "DELETE FROM stock",
        "INSERT INTO stock (sku, name, quantity, supplier_id, price) VALUES ('X', 'x', 1, 1, 1)",
    ],
)
async def test_read_query_runs_read_only(my: My, run: Runner, sql: str) -> None:
    before = my.stock()
    error = await expect_error(
        run(make_bundle(sneaky=make_query(sql)), "sneaky"), 502, "resource_error"
    )
    assert "read-only" in error.message
    assert my.stock() == before


async def test_slow_query_is_killed(my: My, run: Runner, limits: Callable[..., None]) -> None:
    limits(timeout=0.5)
    bundle = make_bundle(
        slow=make_query("SELECT SLEEP(5) AS s"), fast=make_query("SELECT 1 AS one")
    )
    started = time.monotonic()
    await expect_error(run(bundle, "slow"), 504, "query_timeout")
    assert time.monotonic() - started < 3
    assert (await run(bundle, "fast"))["rows"] == [{"one": 1}]


async def test_slow_write_is_killed(my: My, run: Runner, limits: Callable[..., None]) -> None:
    limits(timeout=0.5)
    before = my.stock()
    bundle = make_bundle(
        slow=make_query(
            "UPDATE stock SET quantity = quantity + SLEEP(5) WHERE sku = 'A-1'",
            kind="write",
            allowed_groups=["suppliers"],
        )
    )
    started = time.monotonic()
    await expect_error(run(bundle, "slow"), 504, "query_timeout")
    assert time.monotonic() - started < 4
    assert my.stock() == before


async def test_client_backstop_kills_what_the_server_did_not_stop(
    my: My, run: Runner, limits: Callable[..., None], monkeypatch: pytest.MonkeyPatch
) -> None:
    # As on MySQL for writes (max_execution_time covers SELECT only): no server timeout.
    monkeypatch.setattr(
        mysql_connector,
        "server_timeout",
        lambda info, timeout: ("SET SESSION max_statement_time = 0", ()),
    )
    limits(timeout=0.5)
    bundle = make_bundle(slow=make_query("SELECT SLEEP(6) AS s"))
    started = time.monotonic()
    await expect_error(run(bundle, "slow"), 504, "query_timeout")
    assert time.monotonic() - started < 4
    conn = pymysql.connect(host=urlsplit(my.url).hostname, user="root", password="")
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT count(*) FROM information_schema.processlist "
                "WHERE user = %s AND info LIKE %s",
                (my.user, "%SLEEP(6)%"),
            )
            (running,) = cur.fetchone()
    finally:
        conn.close()
    assert running == 0


async def test_cancelled_run_does_not_poison_the_pool(
    my: My, database: Database, run: Runner
) -> None:
    async with database.session() as session:
        await resources.update_resource(session, "shop", options={"poolMaxSize": 1})
    bundle = make_bundle(
        slow=make_query("SELECT SLEEP(2) AS s"), fast=make_query("SELECT 1 AS one")
    )
    for _ in range(2):
        task = asyncio.create_task(run(bundle, "slow"))
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        for _ in range(3):
            assert (await run(bundle, "fast"))["rows"] == [{"one": 1}]


CROSS = (
    "SELECT a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d AS n "
    "FROM digits a, digits b, digits c, digits e, digits f"
)


async def test_huge_result_is_truncated(my: My, run: Runner, limits: Callable[..., None]) -> None:
    limits(max_rows=100)
    bundle = make_bundle(many=make_query(CROSS), fast=make_query("SELECT 1 AS one"))
    result = await run(bundle, "many")
    assert (result["rowCount"], result["truncated"]) == (100, True)
    # The abandoned stream does not poison the pool.
    for _ in range(3):
        assert (await run(bundle, "fast"))["rows"] == [{"one": 1}]


async def test_wide_result_is_truncated_by_bytes(
    my: My, run: Runner, limits: Callable[..., None]
) -> None:
    limits(max_bytes=4096)
    bundle = make_bundle(wide=make_query(f"SELECT n, REPEAT('x', 500) AS pad FROM ({CROSS}) t"))
    result = await run(bundle, "wide")
    assert result["truncated"] is True and 1 <= result["rowCount"] < 10


async def test_percent_in_sql_text_survives(my: My, run: Runner) -> None:
    bundle = make_bundle(
        q=make_query(
            "SELECT sku FROM stock WHERE name LIKE 'Ap%' AND name LIKE CONCAT({{ p }}, '%') "
            "ORDER BY sku",
            {"p": {"type": "string"}},
        ),
        noparams=make_query("SELECT '100%' AS pct"),
    )
    assert [r["sku"] for r in (await run(bundle, "q", {"p": "A"}))["rows"]] == ["A-1", "A-2"]
    assert (await run(bundle, "noparams"))["rows"] == [{"pct": "100%"}]


async def test_wrong_password_is_clear_and_secret(
    my: My, database: Database, run: Runner, logs: LogCapture
) -> None:
    wrong = "Wrong-" + my.password
    bad_url = my.url.replace(my.password, wrong)
    await add(database, "badpw", "mysql", bad_url)
    seen: list[str] = []
    async with database.session() as session:
        with pytest.raises(InsetError) as info:
            await resources.test_resource(session, "badpw")
        assert "authentication failed" in info.value.message
        seen.append(str(info.value.to_body()))
        seen.append((await resources.test_resource(session, "shop")).model_dump_json())
        seen.append(str([v.model_dump() for v in await resources.list_resources(session)]))
    bundle = make_bundle(
        q=make_query("SELECT 1", resource="badpw"), ok=make_query("SELECT sku FROM stock")
    )
    error = await expect_error(run(bundle, "q"), 502, "resource_error")
    seen.append(str(error.to_body()))
    seen.append(str(await run(bundle, "ok")))
    seen.append(str([e.data for e in await audit_events(database)]))
    seen.append(logs.text())
    for text in seen:
        for secret in (my.password, wrong, my.url, bad_url):
            assert secret not in text
