"""Server-side paging (inset.queries.paging) on SQLite, PostgreSQL and MariaDB: a
10,000-row table, page 3, sort by a whitelisted column, search, totalRows, and refusals
(a sort column outside the whitelist, bad limits) as 422."""

from __future__ import annotations

import copy
import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pymysql
import pytest

from inset.apps.validation import check_app_dir
from inset.db import Database
from inset.errors import InsetError
from inset.queries import service as queries_service
from inset.queries.compiler import SqlCompileError, compile_sql
from inset.queries.paging import quote_identifier
from tests.factories import BASE_BUNDLE, bearer, embed_body, make_world

from .helpers import add, audit_events, make_bundle, make_ctx

ROWS = 10_000


def item(i: int) -> tuple[int, str, int, str]:
    """Row i: id, name, amount (many ties, so the tie-break matters), secret."""
    return (i, f"item-{i:05d}", (i * 37) % 1000, f"s{i}")


ALL = [item(i) for i in range(1, ROWS + 1)]


def paged_query(backend: str) -> dict[str, Any]:
    like = (
        "CONCAT('%', {{ paging.search }}, '%')"
        if backend == "mysql"
        else "'%' || {{ paging.search }} || '%'"
    )
    sql = (
        "SELECT id, name, amount FROM items\n"
        f"WHERE amount >= {{{{ min_amount }}}} AND name LIKE {like}\n"
        "ORDER BY {{ paging.sort }}\n"
        "LIMIT {{ paging.limit }} OFFSET {{ paging.offset }};"
    )
    params = {"min_amount": {"type": "integer", "value": "{{ 0 }}"}}
    return {
        "kind": "read",
        "resource": "shop",
        "trigger": "auto",
        "allowedGroups": None,
        "params": params,
        "sql": sql,
        "compiled": compile_sql(sql, params, paging=True),
        "pagination": "offset",
        "paging": {
            "sortColumns": ["id", "name", "amount"],
            "defaultSort": "id",
            "sort": True,
            "search": True,
        },
    }


def _sqlite(tmp_path: Path) -> str:
    path = tmp_path / "items.db"
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, amount INTEGER, secret TEXT)"
        )
        conn.executemany("INSERT INTO items VALUES (?, ?, ?, ?)", ALL)
    return str(path)


def _postgres(dsn: str) -> str:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE items (id integer PRIMARY KEY, name text, amount integer, secret text)"
        )
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO items VALUES (%s, %s, %s, %s)", ALL)
    return dsn


def _mysql(url: str) -> str:
    name = url.rsplit("/", 1)[1]
    conn = pymysql.connect(host="127.0.0.1", port=3306, user="root", password="", database=name)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(20), amount INT,"
                " secret VARCHAR(20))"
            )
            cur.executemany("INSERT INTO items VALUES (%s, %s, %s, %s)", ALL)
        conn.commit()
    finally:
        conn.close()
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres),
                        pytest.param("mysql", marks=pytest.mark.mysql)])  # fmt: skip
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(connector type, URL) of a resource holding the 10,000-row items table."""
    kind: str = request.param
    if kind == "sqlite":
        yield "sqlite", _sqlite(tmp_path)
    elif kind == "postgres":
        yield "postgres", _postgres(request.getfixturevalue("pg_database"))
    else:
        yield "mysql", _mysql(request.getfixturevalue("mysql_database"))


async def _page(
    database: Database, backend: tuple[str, str], paging: Any, params: Any = None
) -> dict[str, Any]:
    kind, url = backend
    await add(database, "shop", kind, url)
    bundle = make_bundle(items=paged_query(kind))
    error: InsetError | None = None
    async with database.session() as session:
        try:
            result = await queries_service.run_query(
                session, make_ctx(), bundle, "items", params or {"min_amount": 0}, paging=paging
            )
        except InsetError as exc:
            error = exc
    if error is not None:
        raise error
    return result


async def test_page_three_is_rows_41_to_60_of_10000(
    database: Database, backend: tuple[str, str]
) -> None:
    result = await _page(database, backend, {"limit": 20, "offset": 40})
    assert [row["id"] for row in result["rows"]] == list(range(41, 61))
    assert result["rows"][0] == {"id": 41, "name": "item-00041", "amount": (41 * 37) % 1000}
    assert result["totalRows"] == ROWS
    assert result["paging"] == {"limit": 20, "offset": 40}
    assert result["rowCount"] == 20
    events = [e for e in await audit_events(database) if e.type == "query.run"]
    assert events[-1].data["paging"] == {"limit": 20, "offset": 40, "totalRows": ROWS}


async def test_sort_by_a_whitelisted_column_with_the_default_as_tie_break(
    database: Database, backend: tuple[str, str]
) -> None:
    paging = {"limit": 25, "offset": 50, "sort": {"key": "amount", "direction": "desc"}}
    result = await _page(database, backend, paging)
    expected = sorted(ALL, key=lambda r: (-r[2], r[0]))[50:75]
    assert [(row["id"], row["amount"]) for row in result["rows"]] == [
        (r[0], r[2]) for r in expected
    ]
    assert result["totalRows"] == ROWS


async def test_search_and_params_filter_rows_and_the_total(
    database: Database, backend: tuple[str, str]
) -> None:
    result = await _page(database, backend, {"limit": 5, "search": "item-001"}, {"min_amount": 500})
    expected = [r for r in ALL if "item-001" in r[1] and r[2] >= 500]
    assert result["totalRows"] == len(expected) > 5
    assert [row["id"] for row in result["rows"]] == [r[0] for r in expected[:5]]


@pytest.mark.parametrize(
    ("paging", "code", "field"),
    [
        ({"sort": {"key": "secret"}}, "invalid_sort", "paging.sort.key"),
        ({"sort": {"key": 'id" DESC; DROP TABLE items; --'}}, "invalid_sort", "paging.sort.key"),
        ({"sort": {"key": "id", "direction": "sideways"}}, "invalid_paging", None),
        ({"limit": 0}, "invalid_paging", "paging.limit"),
        ({"offset": -1}, "invalid_paging", "paging.offset"),
        ({"limit": "20"}, "invalid_paging", "paging.limit"),
        ({"search": "x" * 201}, "invalid_paging", "paging.search"),
        ({"page": 2}, "invalid_paging", "paging.page"),
        ("all", "invalid_paging", "paging"),
    ],
)
async def test_bad_paging_is_refused_with_422(
    database: Database, tmp_path: Path, paging: Any, code: str, field: str | None
) -> None:
    with pytest.raises(InsetError) as caught:
        await _page(database, ("sqlite", _sqlite(tmp_path)), paging)
    assert caught.value.status_code == 422
    assert caught.value.code == code
    if field is not None:
        assert caught.value.field == field


async def test_a_limit_above_the_row_limit_is_cut_to_it(
    database: Database, tmp_path: Path, limits: Any
) -> None:
    limits(max_rows=300)
    result = await _page(database, ("sqlite", _sqlite(tmp_path)), {"limit": 1_000_000})
    assert len(result["rows"]) == 300
    assert result["paging"]["limit"] == 300
    assert result["totalRows"] == ROWS


def test_paging_binds_compile_only_on_a_paginated_query() -> None:
    sql = "SELECT 1 LIMIT {{ paging.limit }} OFFSET {{ paging.offset }}"
    compiled = compile_sql(sql, {}, paging=True)
    assert compiled["bindings"] == [{"paging": "limit"}, {"paging": "offset"}]
    with pytest.raises(SqlCompileError, match="needs server-side paging"):
        compile_sql(sql, {})
    with pytest.raises(SqlCompileError, match="unknown paging field"):
        compile_sql("SELECT {{ paging.everything }}", {}, paging=True)


def test_identifiers_are_quoted_per_dialect() -> None:
    assert quote_identifier('we"ird', "postgres") == '"we""ird"'
    assert quote_identifier("we`ird", "mysql") == "`we``ird`"


# ---- validation (inset validate) -------------------------------------------------------

APP_YAML = """uuid: 5b0c3f8e-9d1a-4c2b-8e7f-6a5d4c3b2a19
name: Paging
pages: [main]
queries:
  orders:
    resource: shop
{query}
"""
GOOD_QUERY = """    pagination: offset
    defaultSort: id
    sql: |
      SELECT id, customer, amount FROM orders
      WHERE customer LIKE '%' || {{ paging.search }} || '%'
      ORDER BY {{ paging.sort }}
      LIMIT {{ paging.limit }} OFFSET {{ paging.offset }}"""
GOOD_TABLE = """  - id: ordersTable
    type: table
    data: "{{ queries.orders.data }}"
    paging: server
    searchable: true
    columns: [{key: id}, {key: customer}, {key: amount, sortable: false}]"""


def _check(tmp_path: Path, query: str = GOOD_QUERY, table: str = GOOD_TABLE) -> Any:
    folder = tmp_path / "paging"
    (folder / "pages").mkdir(parents=True)
    (folder / "app.yaml").write_text(APP_YAML.format(query=query))
    (folder / "pages" / "main.yaml").write_text(f"title: Main\ncomponents:\n{table}\n")
    return check_app_dir(folder)


def _errors(issues: Any) -> list[str]:
    return [f"{Path(i.file).name}:{i.line}: {i.message}" for i in issues if i.severity == "error"]


def test_a_valid_paged_table_whitelists_its_sortable_columns(tmp_path: Path) -> None:
    app, issues = _check(tmp_path)
    assert _errors(issues) == []
    query = app.queries["orders"]
    assert query["pagination"] == "offset"
    assert query["paging"] == {
        "sortColumns": ["id", "customer"],
        "defaultSort": "id",
        "sort": True,
        "search": True,
    }


@pytest.mark.parametrize(
    ("query", "table", "expected"),
    [
        (
            GOOD_QUERY.replace(" OFFSET {{ paging.offset }}", ""),
            GOOD_TABLE,
            "app.yaml:9: paginated query 'orders' never uses {{ paging.offset }}",
        ),
        (
            GOOD_QUERY.replace("    defaultSort: id\n", ""),
            GOOD_TABLE,
            "app.yaml:5: query 'orders' uses {{ paging.sort }} but has no defaultSort",
        ),
        (
            GOOD_QUERY.replace("defaultSort: id", "defaultSort: id; DROP TABLE orders"),
            GOOD_TABLE,
            "app.yaml:8: defaultSort 'id; DROP TABLE orders' is not a list of columns",
        ),
        (
            GOOD_QUERY.replace("pagination: offset", "pagination: cursor"),
            GOOD_TABLE,
            "app.yaml:7: pagination 'cursor' is not valid",
        ),
        (
            "    sql: SELECT 1 LIMIT {{ paging.limit }}",
            GOOD_TABLE.replace("    paging: server\n", ""),
            "app.yaml:7: '{{ paging.limit }}' needs server-side paging on this query",
        ),
        (
            "    sql: SELECT id FROM orders",
            GOOD_TABLE,
            "main.yaml:6: query 'orders' is not paginated",
        ),
        (
            GOOD_QUERY,
            GOOD_TABLE.replace('"{{ queries.orders.data }}"', '"{{ queries.orders.data[0] }}"'),
            "main.yaml:5: a table with paging: server needs data: {{ queries.NAME.data }}",
        ),
        (
            GOOD_QUERY,
            GOOD_TABLE.rsplit("\n", 1)[0],
            "main.yaml:6: a table with paging: server needs columns:",
        ),
        (
            GOOD_QUERY.replace("customer LIKE '%' || {{ paging.search }} || '%'", "1 = 1"),
            GOOD_TABLE,
            "main.yaml:7: query 'orders' never uses {{ paging.search }}",
        ),
    ],
)
def test_validate_reports_paging_misconfiguration(
    tmp_path: Path, query: str, table: str, expected: str
) -> None:
    app, issues = _check(tmp_path, query, table)
    assert app is None
    assert any(e.startswith(expected) for e in _errors(issues)), _errors(issues)


# ---- over HTTP: the runtime route and the download event -------------------------------

BOOT = re.compile(r'<script type="application/json" id="inset-boot">(.*?)</script>', re.S)


async def test_runtime_route_pages_refuses_bad_sorts_and_audits_downloads(
    database: Database, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    bundle = copy.deepcopy(BASE_BUNDLE)
    bundle["queries"] = {"items": paged_query("sqlite")}
    world = await make_world(database, bundle)
    await add(database, "shop", "sqlite", _sqlite(tmp_path))
    minted = await client.post(
        "/api/embed-url/external-user",
        json=embed_body(world),
        headers=bearer(world.tokens["embed"]),
    )
    page = await client.get(minted.json()["embedUrl"].removeprefix("http://testserver"))
    boot = json.loads(BOOT.search(page.text).group(1))  # type: ignore[union-attr]
    runtime = bearer(boot["sessionToken"])

    app = (await client.get("/api/runtime/app", headers=runtime)).json()
    assert app["queries"]["items"]["pagination"] == "offset"
    assert "paging" not in app["queries"]["items"], "the whitelist stays on the server"

    run = "/api/runtime/queries/items/run"
    body = {"params": {"min_amount": 0}, "paging": {"limit": 20, "offset": 40}}
    answer = await client.post(run, json=body, headers=runtime)
    assert answer.status_code == 200
    assert [row["id"] for row in answer.json()["rows"]] == list(range(41, 61))
    assert answer.json()["totalRows"] == ROWS

    body["paging"] = {"sort": {"key": "secret", "direction": "asc"}}
    refused = await client.post(run, json=body, headers=runtime)
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "invalid_sort"
    assert refused.json()["error"]["field"] == "paging.sort.key"

    event = {"type": "data.downloaded", "page": "inventory", "query": "items"}
    saved = await client.post(
        "/api/runtime/events", json={**event, "rowCount": 10000, "format": "csv"}, headers=runtime
    )
    assert saved.status_code == 204
    downloaded = [e for e in await audit_events(database) if e.type == "data.downloaded"]
    assert downloaded[-1].data == {
        "page": "inventory", "query": "items", "rowCount": 10000, "format": "csv"
    }  # fmt: skip
    unknown = await client.post(
        "/api/runtime/events", json={**event, "query": "nope"}, headers=runtime
    )
    assert unknown.status_code == 422
    assert unknown.json()["error"]["field"] == "query"
