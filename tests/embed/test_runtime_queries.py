"""The whole path over HTTP: deploy an app folder, mint, redeem, run queries; and every way
a browser might try to see another tenant's rows."""

from __future__ import annotations

import json
import sqlite3
import textwrap
import uuid
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy import select

from inset.access import service as access
from inset.apps.service import deploy_directory
from inset.audit.models import AuditEvent
from inset.auth import service as auth
from inset.db import Database
from inset.resources.service import add_resource

APP_UUID = str(uuid.uuid4())

APP_YAML = f"""
uuid: {APP_UUID}
name: Stock
access:
  - {{group: suppliers, level: use}}
embed:
  parentOrigins: ["https://host.example"]
pages: [main]
queries:
  stock:
    resource: warehouse
    sql: |
      SELECT sku, name, quantity FROM stock
      WHERE supplier_id = {{{{ current_user.metadata.supplierId }}}}
        AND name LIKE '%' || {{{{ search }}}} || '%'
      ORDER BY sku
    params:
      search: {{type: string, maxLength: 100, default: "", value: "{{{{ search.value }}}}"}}
  set_quantity:
    resource: warehouse
    kind: write
    trigger: manual
    allowedGroups: [supplier-admins]
    sql: |
      UPDATE stock SET quantity = {{{{ quantity }}}}
      WHERE sku = {{{{ sku }}}} AND supplier_id = {{{{ current_user.metadata.supplierId }}}}
    params:
      quantity: {{type: integer, min: 0, value: "{{{{ qty.value }}}}"}}
      sku: {{type: string, value: "{{{{ search.value }}}}"}}
"""

PAGE_YAML = """
title: Stock
components:
  - {id: search, type: text_input, label: Search}
  - {id: qty, type: number_input, label: Quantity}
  - id: table
    type: table
    data: "{{ queries.stock.data }}"
"""

ROWS = [
    ("A-1", "anvil", 1, 5),
    ("A-2", "axe", 1, 7),
    ("B-1", "bolt", 2, 9),
    ("B-2", "anvil b", 2, 3),
]


def write_app(root: Path) -> Path:
    app = root / "apps" / "stock"
    (app / "pages").mkdir(parents=True)
    (app / "app.yaml").write_text(textwrap.dedent(APP_YAML))
    (app / "pages" / "main.yaml").write_text(textwrap.dedent(PAGE_YAML))
    return root / "apps"


def sqlite_warehouse(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE stock (sku TEXT, name TEXT, supplier_id INT, quantity INT)")
        conn.executemany("INSERT INTO stock VALUES (?, ?, ?, ?)", ROWS)
    return str(path)


def postgres_warehouse(dsn: str) -> str:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE stock (sku text, name text, supplier_id int, quantity int)")
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO stock VALUES (%s, %s, %s, %s)", ROWS)
    return dsn


@pytest.fixture(params=["sqlite", "postgres"])
async def setup(
    request: pytest.FixtureRequest, database: Database, tmp_path: Path
) -> dict[str, Any]:
    if request.param == "sqlite":
        resource_type, url = "sqlite", sqlite_warehouse(tmp_path / "warehouse.db")
    else:
        resource_type, url = "postgres", postgres_warehouse(request.getfixturevalue("pg_database"))
    async with database.session() as session:
        for name in ("suppliers", "supplier-admins"):
            await access.create_group(session, name)
        token = (await auth.create_token(session, "host", ["embed"])).secret
        await add_resource(session, "warehouse", resource_type, url)
        await deploy_directory(session, write_app(tmp_path))
    return {"token": token, "backend": request.param}


async def session_for(
    client: httpx.AsyncClient, token: str, supplier: int, groups: list[str] | None = None
) -> dict[str, str]:
    minted = await client.post(
        "/api/embed-url/external-user",
        headers={"Authorization": f"Bearer {token}"},
        json={
            "landingPageUuid": APP_UUID,
            "groupIds": groups or ["suppliers"],
            "externalIdentifier": f"user-{supplier}",
            "metadata": {"supplierId": supplier},
        },
    )
    assert minted.status_code == 200, minted.text
    page = await client.get(minted.json()["embedUrl"].removeprefix("http://testserver"))
    boot = json.loads(page.text.split('id="inset-boot">', 1)[1].split("</script>", 1)[0])
    return {"Authorization": f"Bearer {boot['sessionToken']}"}


async def run(
    client: httpx.AsyncClient, headers: dict[str, str], name: str, params: Any
) -> httpx.Response:
    return await client.post(
        f"/api/runtime/queries/{name}/run", headers=headers, json={"params": params}
    )


async def test_each_supplier_sees_only_own_rows(client: httpx.AsyncClient, setup: dict) -> None:
    one = await session_for(client, setup["token"], 1)
    two = await session_for(client, setup["token"], 2)
    r1 = await run(client, one, "stock", {"search": ""})
    r2 = await run(client, two, "stock", {"search": "anvil"})
    assert r1.status_code == 200, r1.text
    assert [row["sku"] for row in r1.json()["rows"]] == ["A-1", "A-2"]
    assert [row["sku"] for row in r2.json()["rows"]] == ["B-2"]
    assert r1.json()["rowCount"] == 2 and r1.json()["truncated"] is False
    assert [c["name"] for c in r1.json()["columns"]] == ["sku", "name", "quantity"]


@pytest.mark.parametrize(
    "search",
    [
        "' OR '1'='1",
        "%' OR supplier_id = 2 --",
        "'; DROP TABLE stock; --",
        "\\' OR 1=1 #",
        "anvil' UNION SELECT sku, name, quantity FROM stock --",
        "\uff41\uff4e\uff56\uff49\uff4c",  # fullwidth "anvil"
        "\x00",
    ],
)
async def test_sql_metacharacters_are_data(
    client: httpx.AsyncClient, setup: dict, search: str
) -> None:
    one = await session_for(client, setup["token"], 1)
    response = await run(client, one, "stock", {"search": search})
    assert response.status_code in (200, 422), response.text
    if response.status_code == 200:
        assert response.json()["rows"] == []
    everything = await run(client, one, "stock", {"search": ""})
    assert len(everything.json()["rows"]) == 2  # table intact, tenancy intact


@pytest.mark.parametrize(
    "params",
    [
        {"current_user": {"metadata": {"supplierId": 2}}},
        {"search": "", "current_user.metadata.supplierId": 2},
        {"search": "", "supplierId": 2},
        {"search": {"$ne": ""}},
        {"search": ["a"]},
        {"search": 5},
        {"search": "x" * 101},
    ],
)
async def test_client_cannot_set_identity_or_undeclared_params(
    client: httpx.AsyncClient, setup: dict, params: dict
) -> None:
    one = await session_for(client, setup["token"], 1)
    response = await run(client, one, "stock", params)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"].startswith("params"), error


@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b"[]",
        b'{"params": []}',
        b'{"params": "x"}',
        b'{"params": {}, "sql": "select 1"}',
        b'{"resource": "x"}',
    ],
)
async def test_malformed_run_bodies(client: httpx.AsyncClient, setup: dict, body: bytes) -> None:
    one = await session_for(client, setup["token"], 1)
    response = await client.post(
        "/api/runtime/queries/stock/run",
        content=body,
        headers={**one, "Content-Type": "application/json"},
    )
    assert 400 <= response.status_code < 500
    assert response.json()["error"]["message"]


async def test_unknown_query_and_write_permissions(client: httpx.AsyncClient, setup: dict) -> None:
    one = await session_for(client, setup["token"], 1)
    assert (await run(client, one, "nope", {})).status_code == 404
    denied = await run(client, one, "set_quantity", {"quantity": 0, "sku": "A-1"})
    assert denied.status_code == 403
    admin = await session_for(client, setup["token"], 1, ["suppliers", "supplier-admins"])
    # A write for another supplier's SKU changes nothing: tenancy is in the WHERE clause.
    other = await run(client, admin, "set_quantity", {"quantity": 0, "sku": "B-1"})
    assert other.status_code == 200 and other.json() == {"affectedRows": 0}
    own = await run(client, admin, "set_quantity", {"quantity": 42, "sku": "A-1"})
    assert own.json() == {"affectedRows": 1}
    rows = (await run(client, one, "stock", {"search": ""})).json()["rows"]
    assert {r["sku"]: r["quantity"] for r in rows} == {"A-1": 42, "A-2": 7}


async def test_runtime_bundle_hides_sql_and_resources(
    client: httpx.AsyncClient, setup: dict
) -> None:
    one = await session_for(client, setup["token"], 1)
    text = (await client.get("/api/runtime/app", headers=one)).text
    for secret in ("SELECT", "warehouse", "supplier-admins", "current_user", "supplierId"):
        assert secret not in text


async def test_query_runs_are_audited(
    client: httpx.AsyncClient, setup: dict, database: Database
) -> None:
    one = await session_for(client, setup["token"], 1)
    await run(client, one, "stock", {"search": "a"})
    await run(client, one, "set_quantity", {"quantity": 1, "sku": "A-1"})
    async with database.session() as session:
        events = list(
            await session.scalars(
                select(AuditEvent).where(AuditEvent.type == "query.run").order_by(AuditEvent.id)
            )
        )
    assert [e.outcome for e in events] == ["ok", "denied"]
    assert events[0].data["query"] == "stock" and events[0].external_identifier == "user-1"
    assert events[0].data["rowCount"] == 2 and events[0].data["params"] == {"search": "a"}
    assert events[1].data["error"]["code"] == "query_forbidden"
