"""GET /api/v1/usage: per app, user and day, from the audit log."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update

from inset.audit import service as audit
from inset.audit.models import AuditEvent
from inset.audit.usage import p95
from inset.db import Database, utcnow
from tests.factories import World, bearer, make_world


@pytest.fixture
async def world(database: Database) -> World:
    world = await make_world(database)
    events = [
        ("session.started", "ok", "alice", None),
        ("page.viewed", "ok", "alice", None),
        ("page.viewed", "ok", "alice", None),
        *[("query.run", "ok", "alice", ms) for ms in range(1, 21)],
        ("query.run", "error", "alice", 500),
        ("query.run", "denied", "bob", 1),
        ("session.started", "ok", "bob", None),
        ("embed_url.created", "ok", "bob", None),
    ]
    async with database.session() as session:
        for type_, outcome, user, ms in events:
            await audit.record(
                session,
                type_,
                actor_type="external_user",
                outcome=outcome,
                external_identifier=user,
                app_id=world.app_id,
                data={} if ms is None else {"durationMs": ms},
            )
        await audit.record(
            session,
            "session.started",
            actor_type="external_user",
            external_identifier="carol",
            app_id=world.app_id,
        )
        await session.execute(
            update(AuditEvent)
            .where(AuditEvent.external_identifier == "carol")
            .values(occurred_at=utcnow() - timedelta(days=3))
        )
    return world


@pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)
async def test_usage_per_app_user_day(client: httpx.AsyncClient, world: World) -> None:
    response = await client.get(
        "/api/v1/usage", params={"app": world.app_slug}, headers=bearer(world.tokens["admin"])
    )
    assert response.status_code == 200, response.text
    rows = {(r["user"], r["day"]): r for r in response.json()["rows"]}
    today = utcnow().date().isoformat()
    alice = rows[("alice", today)]
    assert alice == {
        "appId": world.app_id,
        "user": "alice",
        "day": today,
        "sessions": 1,
        "pageViews": 2,
        "queryRuns": 21,
        "errors": 1,
        "p95QueryMs": 19,
    }
    bob = rows[("bob", today)]
    assert bob["sessions"] == 1 and bob["queryRuns"] == 1 and bob["errors"] == 1
    assert bob["p95QueryMs"] is None
    carol_day = (utcnow() - timedelta(days=3)).date().isoformat()
    assert rows[("carol", carol_day)]["sessions"] == 1
    recent = await client.get(
        "/api/v1/usage",
        params={"from": (utcnow() - timedelta(days=1)).isoformat()},
        headers=bearer(world.tokens["admin"]),
    )
    assert "carol" not in {r["user"] for r in recent.json()["rows"]}


@pytest.mark.parametrize(
    "params,field",
    [
        ({"from": "nope"}, "from"),
        ({"to": "2026-99-01"}, "to"),
        ({"from": "2026-02-01", "to": "2026-01-01"}, "from"),
        ({"from": "2025-01-01", "to": "2026-01-01"}, "from"),
        ({"app": "missing"}, "app"),
    ],
)
async def test_bad_usage_params(
    client: httpx.AsyncClient, world: World, params: dict[str, str], field: str
) -> None:
    response = await client.get(
        "/api/v1/usage", params=params, headers=bearer(world.tokens["admin"])
    )
    assert response.status_code == 422 and response.json()["error"]["field"] == field


def test_p95_nearest_rank() -> None:
    assert p95([]) is None and p95([7]) == 7
    assert p95(list(range(1, 101))) == 95 and p95(list(range(1, 21))) == 19
