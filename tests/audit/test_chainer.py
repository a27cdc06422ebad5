"""The chainer: events are inserted unchained in the request transaction and linked into
the hash chain by a background pass; concurrent writers and chainers in several
"processes" (engines) still form one gap-free chain; a graceful shutdown chains
everything; ``verify`` reports pending events without calling the chain broken."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from inset.app import create_app
from inset.audit import service as audit
from inset.audit.chainer import Chainer
from inset.audit.models import AuditChainHead, AuditEvent
from inset.db import Database, utcnow
from inset.settings import Settings
from tests.audit.chaining import chain
from tests.audit.test_cli import run


async def record(database: Database, kind: str = "test.event", **data: object) -> None:
    async with database.session() as session:
        await audit.record(session, kind, actor_type="system", data=dict(data))


async def seqs(database: Database) -> list[int | None]:
    async with database.session() as session:
        return list(await session.scalars(select(AuditEvent.seq).order_by(AuditEvent.id)))


@pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)
async def test_events_commit_unchained_then_a_pass_chains_them(database: Database) -> None:
    for i in range(3):
        await record(database, i=i)
    assert await seqs(database) == [None, None, None]
    async with database.session() as session:
        pending = await audit.verify_chain(session)
    # Pending events are not a broken chain.
    assert pending.ok and pending.checked == 0 and pending.unchained == 3
    assert pending.oldest_unchained_at is not None and not pending.stale_unchained

    assert await chain(database) == 3
    assert await seqs(database) == [1, 2, 3]
    assert await chain(database) == 0  # nothing pending: nothing to do
    await record(database, i=3)
    assert await chain(database) == 1
    async with database.session() as session:
        verified = await audit.verify_chain(session)
        head = await session.get(AuditChainHead, 1)
    assert verified.ok and verified.checked == 4 and verified.unchained == 0
    assert head is not None and head.seq == 4


async def test_a_batch_is_bounded_and_passes_continue(database: Database) -> None:
    async with database.session() as session:
        for i in range(7):
            await audit.record(session, "test.event", actor_type="system", data={"i": i})
    from inset.audit.chainer import chain_pending

    assert await chain_pending(database, limit=3) == 7  # 3 + 3 + 1, one transaction each
    assert await seqs(database) == list(range(1, 8))


@pytest.mark.parametrize("database", ["postgres"], indirect=True)
async def test_chain_order_is_commit_order_not_id(database: Database) -> None:
    """An event inserted first but committed after a newer one was chained gets the later
    seq, and the chain still verifies."""
    async with database.session() as slow:
        await audit.record(slow, "test.slow", actor_type="system")  # lower id, not committed
        await record(database, "test.fast")
        assert await chain(database) == 1  # only the committed one
    assert await chain(database) == 1
    async with database.session() as session:
        rows = (await session.execute(select(AuditEvent.type, AuditEvent.seq))).all()
        verified = await audit.verify_chain(session)
    assert dict(rows) == {"test.fast": 1, "test.slow": 2}
    assert verified.ok and verified.checked == 2


@pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)
async def test_concurrent_writers_and_chainers_of_two_processes(database: Database) -> None:
    """50 concurrent writers on two engines (two "processes"), each engine with its own
    running chainer: one chain, seq 1..N without gaps, every event chained."""
    other = Database(database.url)
    chainers = [Chainer(database, 0.01), Chainer(other, 0.01)]
    for chainer in chainers:
        chainer.start()
    try:

        async def writer(k: int) -> None:
            engine = (database, other)[k % 2]
            for i in range(4):
                async with engine.session() as session:
                    await audit.record(session, "test.concurrent", actor_type="system", data={})
                    await asyncio.sleep(0)
                    if i % 2:
                        await audit.record(session, "test.concurrent", actor_type="system")

        await asyncio.gather(*(writer(k) for k in range(50)))
    finally:
        for chainer in chainers:
            await chainer.stop()
        await other.dispose()
    total = 50 * (4 + 2)
    assert sorted(s or 0 for s in await seqs(database)) == list(range(1, total + 1))
    async with database.session() as session:
        verified = await audit.verify_chain(session)
    assert verified.ok and verified.checked == total and verified.unchained == 0


async def test_chained_rows_are_still_tamper_evident(database: Database) -> None:
    for i in range(4):
        await record(database, i=i)
    await chain(database)
    async with database.session() as session:
        await session.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(data={}))
    async with database.session() as session:
        result = await audit.verify_chain(session)
    assert not result.ok and result.seq == 2 and "modified" in (result.problem or "")


@pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)
async def test_graceful_shutdown_chains_everything(database: Database) -> None:
    """With a long interval the loop never runs: the lifespan's last pass does it."""
    app = create_app(Settings(audit_chain_interval_ms=60_000), database=database)
    async with app.router.lifespan_context(app):
        for i in range(5):
            await record(database, i=i)
        assert await seqs(database) == [None] * 5
    assert await seqs(database) == [1, 2, 3, 4, 5]


async def test_the_loop_chains_within_its_interval(database: Database) -> None:
    chainer = Chainer(database, 0.02)
    chainer.start()
    try:
        await record(database)
        for _ in range(500):  # the test fails by assertion, never by a wall-clock limit
            if await seqs(database) == [1]:
                break
            await asyncio.sleep(0.02)
        assert await seqs(database) == [1]
    finally:
        await chainer.stop()


async def test_cli_verify_reports_pending_and_stale_events_and_can_chain(
    tmp_path: Path,
) -> None:
    assert run(tmp_path, "db", "upgrade").returncode == 0
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'inset.db'}")
    try:
        for i in range(2):
            await record(database, i=i)
        pending = run(tmp_path, "audit", "verify")
        assert pending.returncode == 0, pending.stderr
        assert "OK: 0 events" in pending.stdout
        assert "2 events not chained yet" in pending.stderr
        assert "warning" not in pending.stderr
        async with database.session() as session:
            await session.execute(
                update(AuditEvent).values(occurred_at=utcnow() - timedelta(minutes=5))
            )
        stale = run(tmp_path, "audit", "verify")
        assert stale.returncode == 0 and "warning" in stale.stderr, stale.stderr
        assert "--chain" in stale.stderr
        chained = run(tmp_path, "audit", "verify", "--chain")
        assert chained.returncode == 0 and "OK: 2 events" in chained.stdout, chained.stderr
        assert "not chained yet" not in chained.stderr
        async with database.session() as session:
            pending_count = await session.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.seq.is_(None))
            )
        assert pending_count == 0
    finally:
        await database.dispose()
