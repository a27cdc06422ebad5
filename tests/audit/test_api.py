"""GET /api/v1/audit-events and /export: scopes, filters, paging, 422s, streaming."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, update

from inset.audit import service as audit
from inset.audit.models import AuditEvent
from inset.auth import service as auth
from inset.db import Database, utcnow
from tests.factories import World, bearer, make_world

URL = "/api/v1/audit-events"


@pytest.fixture
async def world(database: Database) -> World:
    world = await make_world(database)
    async with database.session() as session:
        reader = await auth.create_token(session, "auditor", ["audit:read"])
        world.tokens["audit"] = reader.secret
        # Used a moment ago: reading adds no token.used event to the 7 events below.
        reader.token.last_used_at = utcnow()
        for i in range(7):
            await audit.record(
                session,
                "session.started" if i % 2 else "query.run",
                actor_type="external_user",
                outcome="error" if i == 6 else "ok",
                external_identifier="alice" if i < 4 else "bob",
                app_id=world.app_id if i != 5 else None,
                data={"i": i},
            )
        await session.execute(
            update(AuditEvent)
            .where(AuditEvent.data["i"].as_integer() == 0)
            .values(occurred_at=utcnow() - timedelta(days=10))
        )
    return world


async def get(client: httpx.AsyncClient, world: World, token: str = "audit", **params: object):
    return await client.get(URL, params=params, headers=bearer(world.tokens[token]))


@pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)
async def test_filters_and_newest_first(client: httpx.AsyncClient, world: World) -> None:
    everything = await get(client, world)
    assert everything.status_code == 200, everything.text
    ids = [e["id"] for e in everything.json()["events"]]
    assert ids == sorted(ids, reverse=True) and len(ids) == 7
    alice = (await get(client, world, user="alice")).json()["events"]
    assert {e["data"]["i"] for e in alice} == {0, 1, 2, 3}
    sessions = (await get(client, world, type="session.*")).json()["events"]
    assert {e["data"]["i"] for e in sessions} == {1, 3, 5}
    exact = (await get(client, world, type="session.started")).json()["events"]
    assert len(exact) == 3 and (await get(client, world, type="session.")).json()["events"] == []
    errors = (await get(client, world, outcome="error")).json()["events"]
    assert [e["data"]["i"] for e in errors] == [6]
    for app in (world.app_uuid, world.app_slug, str(world.app_id)):
        by_app = (await get(client, world, app=app)).json()["events"]
        assert {e["data"]["i"] for e in by_app} == {0, 1, 2, 3, 4, 6}
    since = (utcnow() - timedelta(days=1)).isoformat()
    recent = (await get(client, world, since=since)).json()["events"]
    assert 0 not in {e["data"]["i"] for e in recent} and len(recent) == 6
    old = (await get(client, world, until=since)).json()["events"]
    assert [e["data"]["i"] for e in old] == [0]
    combined = (await get(client, world, user="bob", type="query.*", outcome="ok")).json()
    assert [e["data"]["i"] for e in combined["events"]] == [4]


async def test_cursor_paging_walks_everything_once(client: httpx.AsyncClient, world: World) -> None:
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, object] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        body = (await get(client, world, **params)).json()
        seen += [e["id"] for e in body["events"]]
        pages += 1
        cursor = body["nextCursor"]
        if cursor is None:
            break
    assert pages == 3 and len(seen) == 7 and len(set(seen)) == 7
    assert seen == sorted(seen, reverse=True)


@pytest.mark.parametrize(
    "params,field",
    [
        ({"since": "yesterday"}, "since"),
        ({"until": "2026-13-01"}, "until"),
        ({"since": "2026-02-01", "until": "2026-01-01"}, "since"),
        ({"type": "session.%"}, "type"),
        ({"type": "*"}, "type"),
        ({"type": "DROP TABLE"}, "type"),
        ({"outcome": "maybe"}, "outcome"),
        ({"app": "no-such-app"}, "app"),
        ({"app": "999999"}, "app"),
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"cursor": "garbage!"}, "cursor"),
        ({"cursor": "djE6LTU"}, "cursor"),
        ({"user": "x" * 300}, "user"),
    ],
)
async def test_bad_filters_are_clear_422s(
    client: httpx.AsyncClient, world: World, params: dict[str, object], field: str
) -> None:
    response = await get(client, world, **params)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field


async def test_scopes(client: httpx.AsyncClient, world: World, database: Database) -> None:
    assert (await get(client, world, token="admin")).status_code == 200
    async with database.session() as session:
        used = await session.scalar(select(AuditEvent).where(AuditEvent.type == "token.used"))
    assert used is not None and used.data["name"] == "admin"  # reading is on record
    embed = await get(client, world, token="embed")
    assert embed.status_code == 403 and embed.json()["error"]["code"] == "insufficient_scope"
    assert (await get(client, world, token="revoked")).status_code == 401
    assert (await client.get(URL)).status_code == 401
    assert (await client.get(URL + "/export")).status_code == 401


@pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)
async def test_export_jsonl_and_csv(client: httpx.AsyncClient, world: World) -> None:
    jsonl = await client.get(
        URL + "/export", params={"user": "alice"}, headers=bearer(world.tokens["audit"])
    )
    assert jsonl.status_code == 200 and jsonl.headers["content-type"].startswith(
        "application/x-ndjson"
    )
    lines = [json.loads(line) for line in jsonl.text.splitlines()]
    assert [e["data"]["i"] for e in lines] == [0, 1, 2, 3]  # oldest first
    as_csv = await client.get(
        URL + "/export", params={"format": "csv"}, headers=bearer(world.tokens["audit"])
    )
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert len(rows) == 7 and json.loads(rows[0]["data"]) == {"i": 0}
    bad = await client.get(
        URL + "/export", params={"format": "xml"}, headers=bearer(world.tokens["audit"])
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "format"


async def test_export_streams_in_batches(database: Database, world: World) -> None:
    async with database.session() as session:
        f = await audit.build_filter(session)
        chunks = [c async for c in audit.export_lines(session, f, "jsonl", batch=2)]
    assert len(chunks) == 4 and sum(c.count("\n") for c in chunks) == 7
