"""The refused and failed paths of the runtime are audited as completely as the happy one:
a replayed embed link, a run by a group that may not, a param that fails validation and a
failing query each leave exactly one event, and a `secret: true` param never reaches the
log on any of them."""

from __future__ import annotations

import copy
import json
import sqlite3
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from inset.audit.models import AuditEvent
from inset.db import Database
from inset.resources.service import add_resource
from tests.audit.test_completeness import BOOT, PIN, UA, step
from tests.factories import BASE_BUNDLE, World, bearer, embed_body, make_world, query


@pytest.fixture
async def world(database: Database, tmp_path: Path) -> World:
    warehouse = tmp_path / "warehouse.db"
    with sqlite3.connect(warehouse) as conn:
        conn.execute("CREATE TABLE stock (name TEXT)")
        conn.execute("INSERT INTO stock VALUES ('anvil')")
    secret = {"pin": {"type": "string", "secret": True, "maxLength": 40}}
    bundle = copy.deepcopy(BASE_BUNDLE)
    bundle["queries"] = {
        "lookup": query("SELECT name FROM stock WHERE {{ pin }} = {{ pin }}", secret),
        "broken": query("SELECT no_such_column FROM stock WHERE {{ pin }} = {{ pin }}", secret),
        "staff_only": {
            **query("SELECT name FROM stock WHERE {{ pin }} = {{ pin }}", secret),
            "allowedGroups": ["staff"],
        },
    }
    world = await make_world(database, bundle)
    async with database.session() as session:
        await add_resource(session, "warehouse", "sqlite", str(warehouse))
    return world


async def all_event_json(database: Database) -> str:
    async with database.session() as session:
        rows = await session.scalars(select(AuditEvent))
        return json.dumps([[e.type, e.data] for e in rows], default=str)


async def test_refused_and_failed_runs_are_audited_without_secrets(
    client: httpx.AsyncClient, world: World, database: Database
) -> None:
    minted = await client.post(
        "/api/embed-url/external-user",
        json=embed_body(world),
        headers=bearer(world.tokens["embed"]),
    )
    url = minted.json()["embedUrl"].removeprefix("http://testserver")
    page, _ = await step(database, client.get(url, headers=UA), ["session.started"])
    replayed, [denied] = await step(database, client.get(url, headers=UA), ["session.denied"])
    assert replayed.status_code == 410 and denied.outcome == "denied"
    assert denied.data["reason"] == "nonce_replayed"

    boot = json.loads(BOOT.search(page.text).group(1))  # type: ignore[union-attr]
    runtime = {**bearer(boot["sessionToken"]), **UA}

    async def run(name: str, pin: object) -> tuple[httpx.Response, AuditEvent]:
        response, [event] = await step(
            database,
            client.post(
                f"/api/runtime/queries/{name}/run", json={"params": {"pin": pin}}, headers=runtime
            ),
            ["query.run"],
        )
        return response, event

    response, event = await run("staff_only", PIN)
    assert response.status_code == 403 and event.outcome == "denied"
    assert event.data["error"]["code"] == "query_forbidden"
    response, event = await run("broken", PIN)
    assert response.status_code == 502 and event.outcome == "error"
    too_long = PIN * 3  # over maxLength: refused before it runs
    response, event = await run("lookup", too_long)
    assert response.status_code == 422 and event.outcome == "error"
    response, event = await run("lookup", PIN)
    assert response.status_code == 200 and event.data["params"] == {"pin": "***"}

    logged = await all_event_json(database)
    assert PIN not in logged and "pin-4711" not in logged
