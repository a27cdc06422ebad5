"""run_query on a real PostgreSQL resource, connecting as a non-superuser role (superusers
bypass row-level security, so the RLS tests would prove nothing as postgres)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from sqlalchemy import select

from inset.db import Database
from inset.errors import InsetError
from inset.resources import service as resources
from inset.resources.connectors import close_all_connectors
from inset.resources.models import Resource

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

pytestmark = pytest.mark.postgres

SCHEMA = """
CREATE TABLE stock (
    sku text PRIMARY KEY,
    name text NOT NULL,
    quantity integer NOT NULL CHECK (quantity >= 0),
    supplier_id integer NOT NULL,
    price numeric(10, 2) NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT '2024-01-31 13:45:00+00',
    day date NOT NULL DEFAULT '2024-02-29',
    meta jsonb NOT NULL DEFAULT '{"tags": ["a"], "n": 1}',
    raw bytea NOT NULL DEFAULT '\\x00ff',
    big bigint NOT NULL DEFAULT 1152921504606846976,
    uid uuid NOT NULL DEFAULT '00000000-0000-0000-0000-000000000001'
);
INSERT INTO stock (sku, name, quantity, supplier_id, price) VALUES
    ('A-1', 'Apple', 10, 1, 1.50),
    ('A-2', 'Apricot', 5, 1, 2.25),
    ('B-1', 'Banana', 7, 2, 0.99),
    ('C-1', 'Cherry', 0, 3, 9.00);
ALTER TABLE stock ENABLE ROW LEVEL SECURITY;
CREATE FUNCTION zero_all() RETURNS integer LANGUAGE sql
    AS 'UPDATE stock SET quantity = 0 RETURNING 1';
"""


@dataclass
class Pg:
    admin_dsn: str  # superuser, for setup and checks
    role: str
    password: str
    url: str  # the non-superuser resource URL (with its password)

    def stock(self) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.admin_dsn) as conn:
            return list(conn.execute("SELECT sku, quantity, supplier_id FROM stock ORDER BY sku"))


@pytest.fixture
async def pg(pg_database: str, database: Database) -> AsyncIterator[Pg]:
    role = f"inset_app_{uuid.uuid4().hex[:10]}"
    password = f"Pw-{uuid.uuid4().hex}-S3cret"
    dbname = pg_database.rsplit("/", 1)[1]
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute(SCHEMA)
        conn.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{password}' NOSUPERUSER NOBYPASSRLS")
        conn.execute(f'GRANT CONNECT ON DATABASE "{dbname}" TO {role}')
        conn.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
        conn.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON stock TO {role}")
        # The policy from docs/queries.md.
        conn.execute(
            f"CREATE POLICY tenant ON stock TO {role} USING ("
            "supplier_id = (current_setting('inset.metadata', true)::json->>'supplierId')::int)"
        )
    url = f"postgresql://{role}:{password}@127.0.0.1:5432/{dbname}"
    await add(database, "shop", "postgres", url)
    try:
        yield Pg(pg_database, role, password, url)
    finally:
        await close_all_connectors()
        with psycopg.connect(pg_database, autocommit=True) as conn:
            conn.execute(f"DROP OWNED BY {role}")
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
                [role],
            )
        with psycopg.connect(pg_database.rsplit("/", 1)[0] + "/postgres", autocommit=True) as c:
            c.execute(f"DROP ROLE IF EXISTS {role}")


async def expect_error(coro: Any, status: int, code: str) -> InsetError:
    with pytest.raises(InsetError) as info:
        await coro
    assert (info.value.status_code, info.value.code) == (status, code), info.value.message
    return info.value


SUPPLIER_1 = make_ctx(metadata={"supplierId": 1})


# ------------------------------------------------------------------- reads and encoding


async def test_values_are_json_faithful(pg: Pg, run: Runner) -> None:
    bundle = make_bundle(
        q=make_query(
            "SELECT sku, price, updated_at AT TIME ZONE 'UTC' AS updated_utc, "
            "updated_at, day, meta, raw, big, uid, NULL::text AS none, "
            "'NaN'::numeric AS nan, 1.5::float8 AS f FROM stock WHERE sku = 'A-1'"
        )
    )
    (row,) = (await run(bundle, "q", None, SUPPLIER_1))["rows"]
    assert row["sku"] == "A-1"
    assert row["price"] == "1.50"
    assert row["updated_utc"] == "2024-01-31T13:45:00"
    assert row["updated_at"].startswith("2024-01-31T") and row["updated_at"][-6] in "+-"
    assert row["day"] == "2024-02-29"
    assert row["meta"] == {"tags": ["a"], "n": 1}
    assert row["raw"] == "AP8="
    assert row["big"] == "1152921504606846976"
    assert row["uid"] == "00000000-0000-0000-0000-000000000001"
    assert row["none"] is None and row["nan"] == "NaN" and row["f"] == 1.5


async def test_params_bind_with_their_types(pg: Pg, run: Runner) -> None:
    declared = {
        "i": {"type": "integer"},
        "n": {"type": "number"},
        "b": {"type": "boolean"},
        "d": {"type": "date"},
        "t": {"type": "datetime"},
        "j": {"type": "json"},
        "ids": {"type": "array", "items": {"type": "integer"}},
    }
    bundle = make_bundle(
        q=make_query(
            "SELECT pg_typeof({{ d }})::text AS d, pg_typeof({{ t }})::text AS t, "
            "pg_typeof({{ j }})::text AS j, {{ j }} ->> 'k' AS jk, {{ b }} AS b, "
            "{{ i }} + 1 AS i, {{ n }} * 2 AS n, "
            "(SELECT count(*) FROM stock WHERE supplier_id IN {{ ids }}) AS in_list",
            declared,
        )
    )
    params = {
        "i": 41,
        "n": 1.25,
        "b": False,
        "d": "2024-02-29",
        "t": "2024-01-31T13:45:00+02:00",
        "j": {"k": "v"},
        "ids": [1, 2, 3],
    }
    (row,) = (await run(bundle, "q", params, SUPPLIER_1))["rows"]
    assert row == {
        "d": "date",
        "t": "timestamp with time zone",
        "j": "jsonb",
        "jk": "v",
        "b": False,
        "i": 42,
        "n": 2.5,
        "in_list": 2,  # RLS: only supplier 1's rows are visible
    }
    params["ids"] = []
    assert (await run(bundle, "q", params, SUPPLIER_1))["rows"][0]["in_list"] == 0


async def test_injection_corpus_comes_back_as_data(pg: Pg, run: Runner) -> None:
    before = pg.stock()
    bundle = make_bundle(
        echo=make_query("SELECT {{ s }}::text AS v", {"s": {"type": "string"}}),
        lookup=make_query(
            "SELECT count(*) AS n FROM stock WHERE name = {{ s }} OR sku = {{ s }}",
            {"s": {"type": "string"}},
        ),
        contains=make_query(
            "SELECT count(*) AS n FROM stock WHERE strpos(name, {{ s }}) > 0",
            {"s": {"type": "string"}},
        ),
    )
    admin = make_ctx(metadata={"supplierId": 1})
    for value in INJECTIONS:
        assert (await run(bundle, "echo", {"s": value}, admin))["rows"] == [{"v": value}]
        assert (await run(bundle, "lookup", {"s": value}, admin))["rows"] == [{"n": 0}]
        count = (await run(bundle, "contains", {"s": value}, admin))["rows"][0]["n"]
        assert count == sum(value in name for name in ("Apple", "Apricot"))
    assert pg.stock() == before


# ------------------------------------------------------------------- tenancy


async def test_rls_policy_alone_isolates_tenants(pg: Pg, run: Runner) -> None:
    bundle = make_bundle(everything=make_query("SELECT sku, supplier_id FROM stock ORDER BY sku"))
    one = await run(bundle, "everything", None, make_ctx(metadata={"supplierId": 1}))
    assert [r["sku"] for r in one["rows"]] == ["A-1", "A-2"]
    two = await run(bundle, "everything", None, make_ctx(metadata={"supplierId": 2}))
    assert [r["sku"] for r in two["rows"]] == ["B-1"]
    assert (await run(bundle, "everything", None, make_ctx(metadata={})))["rows"] == []
    # Control: the data is there; only the policy hides it.
    assert len(pg.stock()) == 4


async def test_rls_settings_do_not_leak_between_pooled_sessions(pg: Pg, run: Runner) -> None:
    bundle = make_bundle(
        everything=make_query(
            "SELECT supplier_id, pg_sleep(0.01)::text AS z FROM stock ORDER BY sku"
        ),
        settings=make_query(
            "SELECT current_setting('inset.external_id', true) AS external_id, "
            "current_setting('inset.groups', true)::jsonb AS groups, "
            "current_setting('inset.metadata', true)::jsonb AS metadata"
        ),
    )

    async def check(supplier: int | None) -> None:
        metadata = {} if supplier is None else {"supplierId": supplier}
        ctx = make_ctx(metadata=metadata, external_identifier=f"user-{supplier}")
        rows = (await run(bundle, "everything", None, ctx))["rows"]
        assert {r["supplier_id"] for r in rows} <= ({supplier} if supplier else set())
        (settings,) = (await run(bundle, "settings", None, ctx))["rows"]
        assert settings == {
            "external_id": f"user-{supplier}",
            "groups": ["suppliers"],
            "metadata": metadata,
        }

    await asyncio.gather(*(check(s) for s in [1, 2, 3, None] * 5))


async def test_rls_also_guards_writes(pg: Pg, run: Runner) -> None:
    before = pg.stock()
    bundle = make_bundle(
        zero=make_query(
            "UPDATE stock SET quantity = 0 WHERE sku = {{ sku }}",
            {"sku": {"type": "string"}},
            kind="write",
            allowed_groups=["suppliers"],
        )
    )
    assert await run(bundle, "zero", {"sku": "B-1"}, SUPPLIER_1) == {"affectedRows": 0}
    assert pg.stock() == before
    assert await run(bundle, "zero", {"sku": "A-1"}, SUPPLIER_1) == {"affectedRows": 1}
    assert pg.stock()[0] == ("A-1", 0, 1)


# ------------------------------------------------------------------- writes and read-only


async def test_write_needs_allowed_group_and_table_is_unchanged(pg: Pg, run: Runner) -> None:
    before = pg.stock()
    bundle = make_bundle(
        update_stock=make_query(
            "UPDATE stock SET quantity = {{ quantity }} WHERE sku = {{ sku }}",
            {"quantity": {"type": "integer", "min": 0}, "sku": {"type": "string"}},
            kind="write",
            allowed_groups=["supplier-admins"],
        )
    )
    params = {"quantity": 3, "sku": "A-1"}
    await expect_error(run(bundle, "update_stock", params, SUPPLIER_1), 403, "query_forbidden")
    assert pg.stock() == before
    admin = make_ctx(groups=("supplier-admins",), metadata={"supplierId": 1})
    assert await run(bundle, "update_stock", params, admin) == {"affectedRows": 1}
    assert pg.stock()[0] == ("A-1", 3, 1)


async def test_write_returning_and_constraints(pg: Pg, run: Runner) -> None:
    bundle = make_bundle(
        add_item=make_query(
            "INSERT INTO stock (sku, name, quantity, supplier_id, price) "
            "VALUES ({{ sku }}, 'New', {{ qty }}, 1, 1) RETURNING sku, price",
            {"sku": {"type": "string"}, "qty": {"type": "integer"}},
            kind="write",
            allowed_groups=["suppliers"],
        )
    )
    result = await run(bundle, "add_item", {"sku": "N-1", "qty": 1}, SUPPLIER_1)
    assert result["affectedRows"] == 1 and result["rows"] == [{"sku": "N-1", "price": "1.00"}]
    duplicate = await expect_error(
        run(bundle, "add_item", {"sku": "N-1", "qty": 1}, SUPPLIER_1), 409, "constraint_violation"
    )
    assert "23505" in duplicate.message and "N-1" not in duplicate.message
    await expect_error(
        run(bundle, "add_item", {"sku": "N-2", "qty": -1}, SUPPLIER_1), 409, "constraint_violation"
    )
    assert len(pg.stock()) == 5


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE stock SET quantity = 0",
        "DELETE FROM stock",
        "INSERT INTO stock (sku, name, quantity, supplier_id, price) VALUES ('X', 'x', 1, 1, 1)",
        "WITH d AS (DELETE FROM stock RETURNING *) SELECT count(*) FROM d",
        "SELECT set_config('transaction_read_only', 'off', true)",
        "CREATE TABLE evil (x int)",
        "SELECT zero_all()",
    ],
)
async def test_read_query_runs_in_a_read_only_transaction(pg: Pg, run: Runner, sql: str) -> None:
    before = pg.stock()
    with pytest.raises(InsetError) as info:
        await run(make_bundle(sneaky=make_query(sql)), "sneaky", None, SUPPLIER_1)
    assert info.value.status_code == 502
    assert pg.stock() == before


@pytest.mark.parametrize("sql", ["UPDATE stock SET quantity = 0", "SELECT zero_all()"])
async def test_read_only_violation_message(pg: Pg, run: Runner, sql: str) -> None:
    bundle = make_bundle(sneaky=make_query(sql))
    error = await expect_error(run(bundle, "sneaky", None, SUPPLIER_1), 502, "resource_error")
    assert "read-only" in error.message and "kind: write" in error.message


async def test_statements_other_than_select_can_be_read(
    pg: Pg, run: Runner, limits: Callable[..., None]
) -> None:
    limits(timeout=2.5)
    bundle = make_bundle(
        timeout=make_query("SHOW statement_timeout"),
        read_only=make_query("SHOW transaction_read_only"),
        explain=make_query("EXPLAIN SELECT * FROM stock"),
    )
    assert (await run(bundle, "timeout", None, SUPPLIER_1))["rows"] == [
        {"statement_timeout": "2500ms"}
    ]
    assert (await run(bundle, "read_only", None, SUPPLIER_1))["rows"] == [
        {"transaction_read_only": "on"}
    ]
    assert (await run(bundle, "explain", None, SUPPLIER_1))["rowCount"] >= 1


# ------------------------------------------------------------------- limits


async def test_slow_query_is_cancelled(pg: Pg, run: Runner, limits: Callable[..., None]) -> None:
    limits(timeout=0.5)
    bundle = make_bundle(slow=make_query("SELECT pg_sleep(5)"), fast=make_query("SELECT 1 AS one"))
    started = time.monotonic()
    error = await expect_error(run(bundle, "slow", None, SUPPLIER_1), 504, "query_timeout")
    assert time.monotonic() - started < 3
    assert "slow" in error.message
    # The pool is healthy afterwards.
    assert (await run(bundle, "fast", None, SUPPLIER_1))["rows"] == [{"one": 1}]


async def test_cancelled_run_does_not_poison_the_pool(
    pg: Pg, database: Database, run: Runner
) -> None:
    async with database.session() as session:
        await resources.update_resource(session, "shop", options={"poolMaxSize": 1})
    bundle = make_bundle(slow=make_query("SELECT pg_sleep(2)"), fast=make_query("SELECT 1 AS one"))
    for _ in range(2):
        task = asyncio.create_task(run(bundle, "slow", None, SUPPLIER_1))
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        started = time.monotonic()
        for _ in range(3):
            assert (await run(bundle, "fast", None, SUPPLIER_1))["rows"] == [{"one": 1}]
        assert time.monotonic() - started < 1.5  # the sleep was cancelled on the server


async def test_huge_result_is_truncated_without_fetching_it_all(
    pg: Pg, run: Runner, limits: Callable[..., None]
) -> None:
    limits(max_rows=100)
    # A recursive CTE streams (generate_series would materialise first): fetching all
    # 20 million rows would take far longer than the bound below.
    bundle = make_bundle(
        many=make_query(
            "WITH RECURSIVE r(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM r WHERE g < 20000000) "
            "SELECT g FROM r"
        )
    )
    started = time.monotonic()
    result = await run(bundle, "many", None, SUPPLIER_1)
    assert time.monotonic() - started < 2
    assert (result["rowCount"], result["truncated"]) == (100, True)
    assert result["rows"][-1] == {"g": 100}


async def test_wide_result_is_truncated_by_bytes(
    pg: Pg, run: Runner, limits: Callable[..., None]
) -> None:
    limits(max_bytes=4096)
    bundle = make_bundle(
        wide=make_query("SELECT g, repeat('x', 500) AS pad FROM generate_series(1, 100000) g")
    )
    result = await run(bundle, "wide", None, SUPPLIER_1)
    assert result["truncated"] is True and 1 <= result["rowCount"] < 10


# ------------------------------------------------------------------- secrets


async def test_password_never_appears_in_responses_logs_or_audit(
    pg: Pg, database: Database, run: Runner, logs: LogCapture, limits: Callable[..., None]
) -> None:
    limits(timeout=0.5)
    seen: list[str] = []
    bundle = make_bundle(
        ok=make_query("SELECT sku FROM stock"),
        broken=make_query("SELECT * FROM no_such_table"),
        slow=make_query("SELECT pg_sleep(3)"),
        missing=make_query("SELECT 1", resource="gone"),
    )
    seen.append(str(await run(bundle, "ok", None, SUPPLIER_1)))
    for name in ("broken", "slow"):
        with pytest.raises(InsetError) as info:
            await run(bundle, name, None, SUPPLIER_1)
        seen.append(str(info.value.to_body()))
    # A resource whose database does not exist: connection errors.
    await add(database, "gone", "postgres", pg.url.rsplit("/", 1)[0] + "/no_such_db_xyz")
    with pytest.raises(InsetError) as info:
        await run(bundle, "missing", None, SUPPLIER_1)
    seen.append(str(info.value.to_body()))
    async with database.session() as session:
        with pytest.raises(InsetError) as test_info:
            await resources.test_resource(session, "gone", "production")
        seen.append(str(test_info.value.to_body()))
        assert "database does not exist" in test_info.value.message
        ok = await resources.test_resource(session, "shop", "production")
        seen.append(ok.model_dump_json())
        views = await resources.list_resources(session)
        seen.append(str([v.model_dump() for v in views]))
        config = await resources.get_resource_config(session, "shop", "production")
        seen.append(repr(config) + str(config))
        stored = list(await session.scalars(select(Resource.config_encrypted)))
        seen.extend(stored)
    assert any("****" in v for v in seen)
    seen.append(str([e.data for e in await audit_events(database)]))
    seen.append(logs.text())
    assert logs.events(), "expected our log lines to be captured"
    for text in seen:
        assert pg.password not in text
        assert pg.url not in text
