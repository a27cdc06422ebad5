"""Every runtime and admin action yields exactly the expected audit events, every refusal at
the authentication boundary is audited with its reason, secrets never reach the log, and
every event carries request id, IP and user agent."""

from __future__ import annotations

import copy
import json
import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from inset.audit import service as audit
from inset.audit.models import AuditEvent
from inset.auth.models import AccessToken
from inset.db import Database, utcnow
from inset.resources.service import add_resource
from tests.audit.chaining import chain
from tests.factories import BASE_BUNDLE, World, bearer, embed_body, make_world, query

BOOT = re.compile(r'<script type="application/json" id="inset-boot">(.*?)</script>', re.S)
UA = {"User-Agent": "audit-test/1.0"}
PIN = "pin-4711-very-secret"


@pytest.fixture
async def world(database: Database, tmp_path: Path) -> World:
    warehouse = tmp_path / "warehouse.db"
    with sqlite3.connect(warehouse) as conn:
        conn.execute("CREATE TABLE stock (name TEXT)")
        conn.executemany("INSERT INTO stock VALUES (?)", [("anvil",), ("bolt",)])
    bundle = copy.deepcopy(BASE_BUNDLE)
    bundle["queries"] = {
        "inventory": query(
            "SELECT name FROM stock WHERE name LIKE '%' || {{ search }} || '%' "
            "AND {{ pin }} = {{ pin }}",
            {"search": {"type": "string"}, "pin": {"type": "string", "secret": True}},
        )
    }
    world = await make_world(database, bundle)
    async with database.session() as session:
        await add_resource(session, "warehouse", "sqlite", str(warehouse))
    return world


async def events_after(database: Database, after: int) -> list[AuditEvent]:
    async with database.session() as session:
        return list(
            await session.scalars(
                select(AuditEvent).where(AuditEvent.id > after).order_by(AuditEvent.id)
            )
        )


async def last_id(database: Database) -> int:
    async with database.session() as session:
        return int(
            await session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) or 0
        )


async def step(
    database: Database, action: Any, expected: list[str]
) -> tuple[httpx.Response, list[AuditEvent]]:
    before = await last_id(database)
    response = await action
    events = await events_after(database, before)
    assert [e.type for e in events] == expected, (response.status_code, response.text)
    for event in events:
        assert event.request_id and event.ip and event.user_agent == "audit-test/1.0", event.type
    return response, events


@pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)
async def test_runtime_journey_yields_exactly_the_expected_events(
    client: httpx.AsyncClient, world: World, database: Database
) -> None:
    embed = {**bearer(world.tokens["embed"]), **UA}
    minted, events = await step(
        database,
        client.post("/api/embed-url/external-user", json=embed_body(world), headers=embed),
        ["token.used", "embed_url.created"],
    )
    assert minted.status_code == 200
    _, events = await step(
        database,
        client.post("/api/embed-url/external-user", json=embed_body(world), headers=embed),
        ["embed_url.created"],  # token.used is throttled (once a minute per token)
    )
    url = minted.json()["embedUrl"].removeprefix("http://testserver")
    page, [started] = await step(database, client.get(url, headers=UA), ["session.started"])
    boot = json.loads(BOOT.search(page.text).group(1))  # type: ignore[union-attr]
    expires = datetime.fromisoformat(started.data["expiresAt"]).replace(tzinfo=UTC)
    lasts = expires - started.occurred_at
    assert timedelta(minutes=599) < lasts <= timedelta(minutes=600), started.data  # the default
    runtime = {**bearer(boot["sessionToken"]), **UA}

    await step(database, client.get("/api/runtime/app", headers=runtime), [])
    viewed, events = await step(
        database,
        client.post(
            "/api/runtime/events",
            json={"type": "page.viewed", "page": "inventory"},
            headers=runtime,
        ),
        ["page.viewed"],
    )
    assert viewed.status_code == 204
    ran, events = await step(
        database,
        client.post(
            "/api/runtime/queries/inventory/run",
            json={"params": {"search": "anv", "pin": PIN}},
            headers=runtime,
        ),
        ["query.run"],
    )
    assert ran.status_code == 200, ran.text
    run = events[0]
    assert run.outcome == "ok" and run.external_identifier == "supplier-a-user"
    assert run.data["params"] == {"search": "anv", "pin": "***"}
    assert run.data["rowCount"] == 1 and "durationMs" in run.data
    assert run.data["release"]["version"] == world.release_versions[-1]
    assert isinstance(run.data["release"]["id"], int)
    failed, events = await step(
        database,
        client.post("/api/runtime/queries/nope/run", json={"params": {}}, headers=runtime),
        ["query.run"],
    )
    assert failed.status_code == 404 and events[0].outcome == "error"
    await step(database, client.post("/api/runtime/logout", headers=runtime), ["session.ended"])
    after, events = await step(
        database, client.get("/api/runtime/app", headers=runtime), ["auth.denied"]
    )
    assert after.status_code == 401
    assert events[0].data["reason"] == "session_revoked" and events[0].outcome == "denied"

    assert await chain(database) > 0
    async with database.session() as session:
        everything = list(await session.scalars(select(AuditEvent)))
        verified = await audit.verify_chain(session)
    assert verified.ok and verified.checked == len(everything) and verified.unchained == 0
    dump = json.dumps([audit.event_dict(e) for e in everything])
    assert PIN not in dump and boot["sessionToken"] not in dump
    assert world.tokens["embed"] not in dump and "nonce" not in dump.lower()


async def test_admin_actions_yield_exactly_the_expected_events(
    client: httpx.AsyncClient, world: World, database: Database
) -> None:
    admin = {**bearer(world.tokens["admin"]), **UA}
    created, events = await step(
        database,
        client.post("/api/v1/groups", json={"name": "auditors"}, headers=admin),
        ["token.used", "admin.group.created"],
    )
    assert created.status_code == 201 and events[1].data["after"]["name"] == "auditors"
    token, events = await step(
        database,
        client.post("/api/v1/tokens", json={"name": "ci", "scopes": ["audit:read"]}, headers=admin),
        ["token.created"],
    )
    assert token.json()["token"] not in json.dumps(events[0].data)
    await step(
        database,
        client.delete(f"/api/v1/tokens/{token.json()['id']}", headers=admin),
        ["token.revoked"],
    )
    await step(database, client.get("/api/v1/groups", headers=admin), [])
    # A minute later the token's use is recorded again, once.
    async with database.session() as session:
        await session.execute(
            update(AccessToken).values(last_used_at=utcnow() - timedelta(minutes=2))
        )
    await step(database, client.get("/api/v1/groups", headers=admin), ["token.used"])
    await step(database, client.get("/api/v1/groups", headers=admin), [])


DENIALS = [
    ("POST", "/api/embed-url/external-user", {}, 401, "missing_token"),
    ("POST", "/api/embed-url/external-user", {"t": "revoked"}, 401, "token_revoked"),
    ("POST", "/api/embed-url/external-user", {"t": "expired"}, 401, "token_expired"),
    ("POST", "/api/embed-url/external-user", {"raw": "Bearer ins_forged"}, 401, "invalid_token"),
    ("POST", "/api/embed-url/external-user", {"t": "admin"}, 403, "insufficient_scope"),
    ("GET", "/api/v1/groups", {"t": "embed"}, 403, "insufficient_scope"),
    ("GET", "/api/v1/audit-events", {"t": "embed"}, 403, "insufficient_scope"),
    ("GET", "/api/v1/audit-events", {}, 401, "missing_token"),
    ("GET", "/api/runtime/app", {}, 401, "invalid_session"),
    ("GET", "/api/runtime/app", {"raw": "Bearer inss_forged"}, 401, "invalid_session"),
    (
        "GET",
        "/api/runtime/app",
        {"headers": {"X-Inset-Session": "abc", "Origin": "https://evil.example"}},
        403,
        "cross_origin",
    ),
]


@pytest.mark.parametrize("method,path,how,status,reason", DENIALS)
async def test_every_refusal_is_audited_with_its_reason(
    client: httpx.AsyncClient,
    world: World,
    database: Database,
    method: str,
    path: str,
    how: dict[str, Any],
    status: int,
    reason: str,
) -> None:
    headers = {**UA, **how.get("headers", {})}
    if "t" in how:
        headers.update(bearer(world.tokens[how["t"]]))
    if "raw" in how:
        headers["Authorization"] = how["raw"]
    body = embed_body(world) if method == "POST" else None
    response, events = await step(
        database, client.request(method, path, json=body, headers=headers), ["auth.denied"]
    )
    assert response.status_code == status and response.json()["error"]["code"] == reason
    assert events[0].data["reason"] == reason and events[0].data["status"] == status
    assert events[0].data["path"] == path and events[0].outcome == "denied"
    assert "forged" not in json.dumps(events[0].data)


async def test_ip_comes_from_forwarded_for_only_behind_trusted_proxy(
    client: httpx.AsyncClient, world: World, database: Database
) -> None:
    spoof = {**UA, "X-Forwarded-For": "203.0.113.9"}
    _, events = await step(database, client.get("/api/runtime/app", headers=spoof), ["auth.denied"])
    assert events[0].ip != "203.0.113.9"
