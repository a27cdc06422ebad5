"""run_query end to end on a real SQLite resource file and a real metadata database."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from inset.db import Database
from inset.errors import InsetError
from inset.resources import service as resources
from inset.resources.connectors import get_connector

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

ROWS = [
    ("A-1", "Apple", 10, 1, "1.50"),
    ("A-2", "Apricot", 5, 1, "2.25"),
    ("B-1", "Banana", 7, 2, "0.99"),
    ("C-1", "Cherry", 0, 3, "9.00"),
]


def make_shop(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE stock (
            sku TEXT PRIMARY KEY, name TEXT NOT NULL, quantity INTEGER NOT NULL,
            supplier_id INTEGER NOT NULL, price TEXT NOT NULL
        );
        CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB, big INTEGER, ratio REAL);
        """
    )
    conn.executemany("INSERT INTO stock VALUES (?, ?, ?, ?, ?)", ROWS)
    conn.execute("INSERT INTO blobs VALUES (1, x'00ff10', 9007199254740993, 0.25)")
    conn.commit()
    conn.close()
    return path


def stock(path: Path) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.execute("SELECT * FROM stock ORDER BY sku"))
    finally:
        conn.close()


@pytest.fixture
async def shop(database: Database, tmp_path: Path) -> Path:
    path = make_shop(tmp_path / "shop.db")
    await add(database, "shop", "sqlite", str(path))
    return path


async def expect_error(coro: Any, status: int, code: str, field: str | None = None) -> InsetError:
    with pytest.raises(InsetError) as info:
        await coro
    error = info.value
    assert (error.status_code, error.code) == (status, code), error.message
    if field is not None:
        assert error.field == field
    return error


# ------------------------------------------------------------------- reads


async def test_read_returns_columns_rows_and_counts(shop: Path, run: Runner) -> None:
    bundle = make_bundle(
        inventory=make_query(
            "SELECT sku, quantity FROM stock WHERE name LIKE '%' || {{ search }} || '%' "
            "ORDER BY sku",
            {"search": {"type": "string", "maxLength": 100}},
        )
    )
    result = await run(bundle, "inventory", {"search": "Ap"})
    assert result == {
        "columns": [{"name": "sku"}, {"name": "quantity"}],
        "rows": [{"sku": "A-1", "quantity": 10}, {"sku": "A-2", "quantity": 5}],
        "rowCount": 2,
        "truncated": False,
    }


async def test_values_are_json_faithful(shop: Path, run: Runner) -> None:
    bundle = make_bundle(q=make_query("SELECT id, data, big, ratio, NULL AS empty FROM blobs"))
    result = await run(bundle, "q")
    assert result["rows"] == [
        {"id": 1, "data": "AP8Q", "big": "9007199254740993", "ratio": 0.25, "empty": None}
    ]


async def test_param_types_reach_the_database_as_bind_values(shop: Path, run: Runner) -> None:
    declared = {
        "i": {"type": "integer"},
        "n": {"type": "number"},
        "b": {"type": "boolean"},
        "d": {"type": "date"},
        "t": {"type": "datetime"},
        "j": {"type": "json"},
        "s": {"type": "string", "nullable": True},
    }
    bundle = make_bundle(
        q=make_query(
            "SELECT {{ i }} AS i, {{ n }} AS n, {{ b }} AS b, {{ d }} AS d, {{ t }} AS t, "
            "{{ j }} AS j, {{ s }} AS s, typeof({{ i }}) AS ti",
            declared,
        )
    )
    result = await run(
        bundle,
        "q",
        {
            "i": 2**62,
            "n": 1.5,
            "b": True,
            "d": "2024-02-29",
            "t": "2024-01-31T13:45:00Z",
            "j": {"a": [1, "x"]},
            "s": None,
        },
    )
    assert result["rows"] == [
        {
            "i": str(2**62),
            "n": 1.5,
            "b": 1,
            "d": "2024-02-29",
            "t": "2024-01-31T13:45:00+00:00",
            "j": '{"a":[1,"x"]}',
            "s": None,
            "ti": "integer",
        }
    ]


async def test_array_params_render_as_in_lists(shop: Path, run: Runner) -> None:
    declared = {"skus": {"type": "array", "items": {"type": "string"}, "maxItems": 10}}
    bundle = make_bundle(
        plain=make_query("SELECT sku FROM stock WHERE sku IN {{ skus }} ORDER BY sku", declared),
        wrapped=make_query(
            "SELECT sku FROM stock WHERE sku IN ({{ skus }}) ORDER BY sku", declared
        ),
        negated=make_query("SELECT count(*) AS n FROM stock WHERE sku NOT IN {{ skus }}", declared),
    )
    for name in ("plain", "wrapped"):
        result = await run(bundle, name, {"skus": ["A-1", "C-1", "nope"]})
        assert [r["sku"] for r in result["rows"]] == ["A-1", "C-1"]
        assert (await run(bundle, name, {"skus": []}))["rows"] == []
        injected = await run(bundle, name, {"skus": ["A-1') OR ('1'='1", "' OR 1=1 --"]})
        assert injected["rows"] == []
    # Documented: an empty list is (NULL), so NOT IN matches nothing either.
    assert (await run(bundle, "negated", {"skus": []}))["rows"] == [{"n": 0}]
    assert (await run(bundle, "negated", {"skus": ["A-1"]}))["rows"] == [{"n": 3}]


async def test_duplicate_column_names_come_back_unique(shop: Path, run: Runner) -> None:
    bundle = make_bundle(q=make_query("SELECT sku, sku, 1 AS sku FROM stock WHERE sku = 'A-1'"))
    result = await run(bundle, "q")
    assert [c["name"] for c in result["columns"]] == ["sku", "sku_2", "sku_3"]
    assert result["rows"] == [{"sku": "A-1", "sku_2": "A-1", "sku_3": 1}]


# ------------------------------------------------------------------- injection


async def test_injection_corpus_comes_back_as_data(shop: Path, run: Runner) -> None:
    before = stock(shop)
    bundle = make_bundle(
        echo=make_query("SELECT {{ s }} AS v", {"s": {"type": "string"}}),
        lookup=make_query(
            "SELECT count(*) AS n FROM stock WHERE name = {{ s }} OR sku = {{ s }}",
            {"s": {"type": "string"}},
        ),
        contains=make_query(
            "SELECT count(*) AS n FROM stock WHERE instr(name, {{ s }}) > 0",
            {"s": {"type": "string"}},
        ),
    )
    for value in INJECTIONS:
        assert (await run(bundle, "echo", {"s": value}))["rows"] == [{"v": value}]
        assert (await run(bundle, "lookup", {"s": value}))["rows"] == [{"n": 0}]
        contains = (await run(bundle, "contains", {"s": value}))["rows"][0]["n"]
        assert contains == sum(value in row[1] for row in before)
    assert stock(shop) == before


async def test_client_cannot_set_current_user(shop: Path, run: Runner) -> None:
    bundle = make_bundle(
        mine=make_query(
            "SELECT sku FROM stock WHERE supplier_id = {{ current_user.metadata.supplierId }}"
        )
    )
    ctx = make_ctx(metadata={"supplierId": 1})
    for params in (
        {"current_user": {"metadata": {"supplierId": 2}}},
        {"current_user.metadata.supplierId": 2},
        {"supplierId": 2},
    ):
        error = await expect_error(run(bundle, "mine", params, ctx), 422, "unknown_param")
        assert error.field == f"params.{next(iter(params))}"


async def test_other_tenants_rows_never_come_back(shop: Path, run: Runner) -> None:
    bundle = make_bundle(
        mine=make_query(
            "SELECT sku, supplier_id FROM stock "
            "WHERE supplier_id = {{ current_user.metadata.supplierId }} "
            "AND (name LIKE '%' || {{ search }} || '%') ORDER BY sku",
            {"search": {"type": "string", "default": ""}},
        )
    )
    one = await run(bundle, "mine", {}, make_ctx(metadata={"supplierId": 1}))
    assert {r["supplier_id"] for r in one["rows"]} == {1}
    assert one["rowCount"] == 2
    two = await run(bundle, "mine", {}, make_ctx(metadata={"supplierId": 2}))
    assert [r["sku"] for r in two["rows"]] == ["B-1"]
    # A search crafted to escape the tenant filter is just text.
    escape = await run(
        bundle, "mine", {"search": "%') OR (1=1 OR '"}, make_ctx(metadata={"supplierId": 2})
    )
    assert escape["rows"] == []
    # No supplierId in the session metadata: NULL matches nothing.
    assert (await run(bundle, "mine", {}, make_ctx(metadata={})))["rows"] == []


# ------------------------------------------------------------------- writes and read-only


async def test_write_needs_a_group_in_allowed_groups(shop: Path, run: Runner) -> None:
    before = stock(shop)
    update = make_query(
        "UPDATE stock SET quantity = {{ quantity }} WHERE sku = {{ sku }} "
        "AND supplier_id = {{ current_user.metadata.supplierId }}",
        {"quantity": {"type": "integer", "min": 0}, "sku": {"type": "string"}},
        kind="write",
        allowed_groups=["supplier-admins"],
    )
    bundle = make_bundle(update_stock=update)
    params = {"quantity": 99, "sku": "A-1"}
    supplier = make_ctx(groups=("suppliers",), metadata={"supplierId": 1})
    await expect_error(run(bundle, "update_stock", params, supplier), 403, "query_forbidden")
    assert stock(shop) == before

    admin = make_ctx(groups=("suppliers", "supplier-admins"), metadata={"supplierId": 1})
    assert await run(bundle, "update_stock", params, admin) == {"affectedRows": 1}
    assert stock(shop)[0] == ("A-1", "Apple", 99, 1, "1.50")
    # Another tenant's row: the current_user filter holds for writes too.
    other = await run(bundle, "update_stock", {"quantity": 1, "sku": "B-1"}, admin)
    assert other == {"affectedRows": 0}
    assert stock(shop)[2] == ROWS[2]


async def test_write_without_allowed_groups_never_runs(shop: Path, run: Runner) -> None:
    before = stock(shop)
    for allowed in (None, []):
        bundle = make_bundle(
            wipe=make_query("DELETE FROM stock", kind="write", allowed_groups=allowed)
        )
        await expect_error(
            run(bundle, "wipe", None, make_ctx(groups=("suppliers", "admins"))),
            403,
            "query_forbidden",
        )
    assert stock(shop) == before


async def test_allowed_groups_restrict_reads_too(shop: Path, run: Runner) -> None:
    bundle = make_bundle(q=make_query("SELECT 1 AS one", allowed_groups=["staff"]))
    await expect_error(
        run(bundle, "q", None, make_ctx(groups=("suppliers",))), 403, "query_forbidden"
    )
    assert (await run(bundle, "q", None, make_ctx(groups=("staff",))))["rows"] == [{"one": 1}]


async def test_write_returning_rows(shop: Path, run: Runner) -> None:
    bundle = make_bundle(
        add_item=make_query(
            "INSERT INTO stock VALUES ({{ sku }}, 'New', 1, 1, '1.00') RETURNING sku, quantity",
            {"sku": {"type": "string"}},
            kind="write",
            allowed_groups=["suppliers"],
        )
    )
    result = await run(bundle, "add_item", {"sku": "N-1"})
    assert result["affectedRows"] == 1
    assert result["rows"] == [{"sku": "N-1", "quantity": 1}]
    duplicate = await expect_error(
        run(bundle, "add_item", {"sku": "N-1"}), 409, "constraint_violation"
    )
    assert "N-1" not in duplicate.message
    assert len(stock(shop)) == len(ROWS) + 1


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE stock SET quantity = 0",
        "DELETE FROM stock RETURNING sku",
        "INSERT INTO stock VALUES ('X', 'x', 1, 1, '1')",
        "DROP TABLE stock",
        "CREATE TABLE evil (x)",
        "PRAGMA query_only = OFF",
    ],
)
async def test_read_query_cannot_write(shop: Path, run: Runner, sql: str) -> None:
    before = stock(shop)
    bundle = make_bundle(sneaky=make_query(sql))
    try:
        await run(bundle, "sneaky")
    except InsetError as error:
        assert error.status_code == 502
        assert error.code == "resource_error"
    # PRAGMA query_only = OFF may "succeed" but cannot lift mode=ro: nothing changes.
    assert stock(shop) == before
    conn = sqlite3.connect(shop)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    conn.close()
    assert tables == {"stock", "blobs"}


async def test_read_only_message_says_what_to_do(shop: Path, run: Runner) -> None:
    bundle = make_bundle(sneaky=make_query("UPDATE stock SET quantity = 0"))
    error = await expect_error(run(bundle, "sneaky"), 502, "resource_error")
    assert "read-only" in error.message and "kind: write" in error.message


# ------------------------------------------------------------------- limits


async def test_slow_query_is_killed_by_the_timeout(
    shop: Path, run: Runner, limits: Callable[..., None]
) -> None:
    limits(timeout=0.5)
    bundle = make_bundle(
        slow=make_query(
            "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r"
        )
    )
    started = time.monotonic()
    error = await expect_error(run(bundle, "slow"), 504, "query_timeout")
    assert time.monotonic() - started < 5
    assert "0.5 s" in error.message


async def test_huge_result_is_truncated_by_rows(
    shop: Path, run: Runner, limits: Callable[..., None]
) -> None:
    limits(max_rows=50)
    bundle = make_bundle(
        many=make_query(
            "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 1000000) "
            "SELECT n FROM r"
        )
    )
    started = time.monotonic()
    result = await run(bundle, "many")
    assert time.monotonic() - started < 5
    assert result["rowCount"] == 50 and result["truncated"] is True
    assert result["rows"][-1] == {"n": 50}


async def test_exactly_max_rows_is_not_truncated(
    shop: Path, run: Runner, limits: Callable[..., None]
) -> None:
    limits(max_rows=4)
    result = await run(make_bundle(q=make_query("SELECT sku FROM stock")), "q")
    assert (result["rowCount"], result["truncated"]) == (4, False)


async def test_huge_result_is_truncated_by_bytes(
    shop: Path, run: Runner, limits: Callable[..., None]
) -> None:
    limits(max_bytes=4096)
    bundle = make_bundle(
        wide=make_query(
            "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 10000) "
            "SELECT n, printf('%.500c', 'x') AS pad FROM r"
        )
    )
    result = await run(bundle, "wide")
    assert result["truncated"] is True
    assert 1 <= result["rowCount"] < 10
    import json

    assert len(json.dumps(result).encode()) <= 4096


# ------------------------------------------------------------------- refusals and errors


async def test_unknown_parent_and_badly_typed(shop: Path, run: Runner) -> None:
    bundle = make_bundle(
        parent={"kind": "parent", "selector": "customerId"},
        q=make_query(
            "SELECT {{ qty }} AS qty, {{ day }} AS day",
            {"qty": {"type": "integer"}, "day": {"type": "date"}},
        ),
    )
    await expect_error(run(bundle, "nope"), 404, "unknown_query", "name")
    await expect_error(run(bundle, "parent"), 400, "parent_query")
    await expect_error(
        run(bundle, "q", {"qty": "1", "day": "2024-01-01"}), 422, "invalid_param", "params.qty"
    )
    await expect_error(
        run(bundle, "q", {"qty": True, "day": "2024-01-01"}), 422, "invalid_param", "params.qty"
    )
    await expect_error(
        run(bundle, "q", {"qty": 1, "day": "01/02/2024"}), 422, "invalid_param", "params.day"
    )
    await expect_error(run(bundle, "q", {"qty": 1}), 422, "missing_param", "params.day")
    await expect_error(run(bundle, "q", ["qty"]), 422, "invalid_param", "params")
    await expect_error(run(bundle, "q", "qty=1"), 422, "invalid_param", "params")


async def test_sql_errors_do_not_leak_sql_or_driver_text(shop: Path, run: Runner) -> None:
    bundle = make_bundle(broken=make_query("SELECT secret_column FROM no_such_table_xyz"))
    error = await expect_error(run(bundle, "broken"), 502, "resource_error")
    body = str(error.to_body())
    for leak in ("no_such_table_xyz", "secret_column", "SELECT", "no such table", str(shop)):
        assert leak not in body
    assert "broken" in error.message


async def test_resource_missing_file_is_a_clean_502(
    database: Database, tmp_path: Path, run: Runner
) -> None:
    await add(database, "shop", "sqlite", str(tmp_path / "missing.db"))
    error = await expect_error(
        run(make_bundle(q=make_query("SELECT 1")), "q"), 502, "resource_error"
    )
    assert str(tmp_path) not in str(error.to_body())
    # A write connection must not create the missing file either.
    bundle = make_bundle(
        w=make_query("CREATE TABLE t (x)", kind="write", allowed_groups=["suppliers"])
    )
    await expect_error(run(bundle, "w"), 502, "resource_error")
    assert not (tmp_path / "missing.db").exists()


async def test_environment_picks_the_resource_config_without_fallback(
    database: Database, tmp_path: Path, run: Runner
) -> None:
    prod = make_shop(tmp_path / "prod.db")
    staging = tmp_path / "staging.db"
    conn = sqlite3.connect(staging)
    conn.execute("CREATE TABLE stock (sku TEXT)")
    conn.execute("INSERT INTO stock VALUES ('STAGING')")
    conn.commit()
    conn.close()
    await add(database, "shop", "sqlite", str(prod))
    await add(database, "shop", "sqlite", str(staging), environment="staging")
    bundle = make_bundle(q=make_query("SELECT sku FROM stock ORDER BY sku LIMIT 1"))
    assert (await run(bundle, "q", None, make_ctx()))["rows"] == [{"sku": "A-1"}]
    staged = await run(bundle, "q", None, make_ctx(environment="staging"))
    assert staged["rows"] == [{"sku": "STAGING"}]
    error = await expect_error(
        run(bundle, "q", None, make_ctx(environment="dev")), 502, "resource_not_configured"
    )
    assert "dev" in error.message


async def test_sql_on_a_rest_resource_does_not_run(database: Database, run: Runner) -> None:
    await add(database, "api", "rest", "https://api.example.com", headers={"X-Key": "k"})
    bundle = make_bundle(q=make_query("GET /items", resource="api"))
    error = await expect_error(run(bundle, "q"), 400, "unsupported_resource")
    assert "REST API" in error.message


async def test_changed_config_gets_a_new_connector(
    database: Database, tmp_path: Path, run: Runner
) -> None:
    first = make_shop(tmp_path / "one.db")
    second = make_shop(tmp_path / "two.db")
    conn = sqlite3.connect(second)
    conn.execute("UPDATE stock SET name = 'Second' WHERE sku = 'A-1'")
    conn.commit()
    conn.close()
    await add(database, "shop", "sqlite", str(first))
    bundle = make_bundle(q=make_query("SELECT name FROM stock WHERE sku = 'A-1'"))
    assert (await run(bundle, "q"))["rows"] == [{"name": "Apple"}]
    async with database.session() as session:
        config = await resources.get_resource_config(session, "shop", "production")
        assert await get_connector(config) is await get_connector(config)
        await resources.update_resource(session, "shop", url=str(second))
    assert (await run(bundle, "q"))["rows"] == [{"name": "Second"}]


# ------------------------------------------------------------------- audit


async def test_every_run_is_audited_with_secrets_redacted(
    database: Database, shop: Path, run: Runner
) -> None:
    bundle = make_bundle(
        q=make_query(
            "SELECT count(*) AS n FROM stock WHERE name <> {{ token }} AND quantity >= {{ min }}",
            {"token": {"type": "string", "secret": True}, "min": {"type": "integer"}},
        ),
        w=make_query("DELETE FROM stock", kind="write", allowed_groups=["admins"]),
    )
    ctx = make_ctx(metadata={"supplierId": 1})
    await run(bundle, "q", {"token": "hunter2-secret", "min": 1}, ctx)
    await expect_error(
        run(bundle, "q", {"token": "hunter2-secret", "min": "x"}, ctx), 422, "invalid_param"
    )
    await expect_error(run(bundle, "w", None, ctx), 403, "query_forbidden")
    await expect_error(run(bundle, "nope", None, ctx), 404, "unknown_query")
    events = await audit_events(database)
    assert [e.type for e in events] == ["query.run"] * 4
    ok, invalid, forbidden, unknown = events
    assert ok.outcome == "ok"
    assert ok.data["query"] == "q"
    assert ok.data["params"] == {"token": "***", "min": 1}
    assert ok.data["rowCount"] == 1 and ok.data["truncated"] is False
    assert isinstance(ok.data["durationMs"], int)
    assert (ok.actor_type, ok.actor_id, ok.external_identifier) == ("external_user", "1", "user-1")
    assert (ok.app_id, ok.session_id, ok.request_id) == (7, ctx.session_id, "req-1")
    assert invalid.outcome == "error"
    assert invalid.data["error"] == {"code": "invalid_param", "status": 422}
    assert "params" not in invalid.data
    assert forbidden.outcome == "denied"
    assert forbidden.data["error"]["code"] == "query_forbidden"
    assert unknown.outcome == "error"
    assert unknown.data["error"]["code"] == "unknown_query"
    assert "hunter2" not in str([e.data for e in events])


async def test_write_audit_has_affected_rows(database: Database, shop: Path, run: Runner) -> None:
    bundle = make_bundle(
        w=make_query(
            "UPDATE stock SET quantity = quantity + 1 WHERE supplier_id = 1",
            kind="write",
            allowed_groups=["suppliers"],
        )
    )
    assert await run(bundle, "w") == {"affectedRows": 2}
    (event,) = await audit_events(database)
    assert event.data["affectedRows"] == 2 and event.outcome == "ok"


async def test_failures_are_logged_by_class_not_message(
    shop: Path, run: Runner, logs: LogCapture
) -> None:
    bundle = make_bundle(broken=make_query("SELECT * FROM no_such_table_xyz"))
    await expect_error(run(bundle, "broken"), 502, "resource_error")
    (event,) = [e for e in logs.events() if e["event"] == "query_failed"]
    assert event["driver_error"] == "sqlite3.OperationalError"
    assert event["query"] == "broken" and event["resource"] == "shop"
    assert "no_such_table_xyz" not in logs.text()
