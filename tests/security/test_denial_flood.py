"""A flood of refused requests from one IP: the first INSET_AUTH_DENIALS_PER_MINUTE are
audited one by one (auth.denied); the rest answer 429 without a row each, and one
aggregated auth.denied_suppressed event per IP and minute records how many there were."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from inset.audit.models import AuditEvent
from inset.db import Database
from inset.queries import ratelimits
from inset.settings import get_settings
from tests.factories import bearer, make_world

LIMIT = 5


@pytest.fixture
def denial_limit(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("INSET_AUTH_DENIALS_PER_MINUTE", str(LIMIT))
    get_settings.cache_clear()
    ratelimits.reset_denials()
    yield
    ratelimits.reset_denials()
    monkeypatch.undo()
    get_settings.cache_clear()


async def events(database: Database, type: str) -> list[AuditEvent]:
    async with database.session() as session:
        return list(
            (await session.scalars(select(AuditEvent).where(AuditEvent.type == type))).all()
        )


async def test_denial_flood_is_answered_429_and_audited_once(
    denial_limit: None, client: httpx.AsyncClient, database: Database
) -> None:
    world = await make_world(database)
    statuses = []
    for _ in range(LIMIT + 20):
        response = await client.get("/api/v1/tokens", headers=bearer("ins_not-a-real-token"))
        statuses.append(response.status_code)
    assert statuses[:LIMIT] == [401] * LIMIT
    assert statuses[LIMIT:] == [429] * 20
    refused = response.json()["error"]
    assert refused["code"] == "too_many_denials" and int(response.headers["Retry-After"]) >= 1
    # Another IP (through a trusted proxy it would be X-Forwarded-For) is not affected, and
    # neither is a valid token from the flooding IP.
    ok = await client.get("/api/v1/tokens", headers=bearer(world.tokens["admin"]))
    assert ok.status_code == 200
    assert len(await events(database, "auth.denied")) == LIMIT
    assert await events(database, "auth.denied_suppressed") == []

    # When the window closes (here: forced), one aggregated event with the count.
    assert await ratelimits.flush_suppressed_denials(database) == 1
    [suppressed] = await events(database, "auth.denied_suppressed")
    assert suppressed.ip == "127.0.0.1" and suppressed.outcome == "denied"
    assert suppressed.data["count"] == 20 and suppressed.data["limit"] == LIMIT
    assert await ratelimits.flush_suppressed_denials(database) == 0


async def test_window_end_writes_the_aggregated_event_by_itself(
    denial_limit: None,
    client: httpx.AsyncClient,
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import asyncio

    monkeypatch.setattr(ratelimits, "DENIAL_WINDOW_SECONDS", 1)
    await make_world(database)
    for _ in range(LIMIT + 3):
        await client.get("/api/runtime/app", headers=bearer("inss_forged"))
    # Each window's count is written when it closes (the flood may straddle two windows).
    while ratelimits.pending_suppressed_denials():
        await asyncio.sleep(0.05)
    suppressed = await events(database, "auth.denied_suppressed")
    assert 1 <= len(suppressed) <= 2
    counted = sum(e.data["count"] for e in suppressed)
    assert counted >= 1 and len(await events(database, "auth.denied")) + counted == LIMIT + 3


async def test_shutdown_writes_the_open_window(denial_limit: None, database: Database) -> None:
    """A SIGTERM inside the minute must not lose the count: the app's shutdown writes it."""
    from inset.app import create_app

    await make_world(database)
    app = create_app(database=database)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            for _ in range(LIMIT + 4):
                await http.get("/api/v1/tokens", headers=bearer("ins_not-a-real-token"))
        assert await events(database, "auth.denied_suppressed") == []
    [suppressed] = await events(database, "auth.denied_suppressed")
    assert suppressed.data["count"] == 4
    assert suppressed.seq is not None  # chained by the chainer's last pass
