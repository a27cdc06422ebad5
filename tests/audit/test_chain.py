"""The hash chain: intact chains verify; modified, deleted, reordered or truncated ones are
caught at the first broken link; purge re-anchors; concurrent writers stay consistent."""

from __future__ import annotations

import asyncio
import itertools
import json
from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update

from inset.audit import service as audit
from inset.audit.chain import GENESIS_HASH
from inset.audit.models import AuditChainHead, AuditEvent
from inset.db import Database, utcnow
from tests.audit.chaining import chain


async def write(database: Database, n: int, **extra: object) -> None:
    """``n`` events in ``n`` transactions, then a chainer pass (as a server would run)."""
    for i in range(n):
        async with database.session() as session:
            await audit.record(
                session,
                "test.event",
                actor_type="system",
                data={"i": i, "nested": {"b": [1, 2.5, "é"], "a": None}},
                **extra,  # type: ignore[arg-type]
            )
    assert await chain(database) == n


async def verify(database: Database) -> audit.VerifyResult:
    async with database.session() as session:
        return await audit.verify_chain(session)


@pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)
async def test_intact_chain_verifies(database: Database) -> None:
    assert (await verify(database)).ok  # empty chain
    await write(database, 5, ip="10.0.0.1", user_agent="ua", request_id="r1")
    result = await verify(database)
    assert result.ok and result.checked == 5 and result.first_seq == 1
    async with database.session() as session:
        rows = list(await session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(rows))


@pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)
@pytest.mark.parametrize(
    "column,value",
    [
        ("data", {"i": 99}),
        ("type", "other.event"),
        ("outcome", "denied"),
        ("external_identifier", "someone-else"),
        ("ip", "1.2.3.4"),
        ("actor_id", "7"),
    ],
)
async def test_modified_row_is_caught(database: Database, column: str, value: object) -> None:
    await write(database, 5)
    async with database.session() as session:
        await session.execute(update(AuditEvent).where(AuditEvent.seq == 3).values({column: value}))
    result = await verify(database)
    assert not result.ok and result.seq == 3 and "modified" in (result.problem or "")
    assert result.checked == 2


async def test_modified_time_is_caught(database: Database) -> None:
    await write(database, 3)
    async with database.session() as session:
        await session.execute(
            update(AuditEvent)
            .where(AuditEvent.seq == 2)
            .values(occurred_at=utcnow() - timedelta(days=3))
        )
    result = await verify(database)
    assert not result.ok and result.seq == 2


@pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)
async def test_deleted_row_is_caught(database: Database) -> None:
    await write(database, 5)
    async with database.session() as session:
        await session.execute(delete(AuditEvent).where(AuditEvent.seq == 3))
    result = await verify(database)
    assert not result.ok and result.seq == 3 and "missing" in (result.problem or "")


async def test_deleted_row_with_renumbered_seq_is_caught(database: Database) -> None:
    """Closing the gap in seq does not help: the next row's prev_hash links to nothing."""
    await write(database, 5)
    async with database.session() as session:
        await session.execute(delete(AuditEvent).where(AuditEvent.seq == 3))
        for seq in (4, 5):
            await session.execute(
                update(AuditEvent).where(AuditEvent.seq == seq).values(seq=seq - 1)
            )
        await session.execute(update(AuditChainHead).values(seq=4))
    result = await verify(database)
    assert not result.ok and result.seq == 3


async def test_deleted_newest_rows_are_caught(database: Database) -> None:
    await write(database, 5)
    async with database.session() as session:
        await session.execute(delete(AuditEvent).where(AuditEvent.seq >= 4))
    result = await verify(database)
    assert not result.ok and "newest events deleted" in (result.problem or "")


async def test_deleted_oldest_rows_without_purge_are_caught(database: Database) -> None:
    await write(database, 5)
    async with database.session() as session:
        await session.execute(delete(AuditEvent).where(AuditEvent.seq <= 2))
    result = await verify(database)
    assert not result.ok and result.seq == 3 and "audit.purged" in (result.problem or "")


@pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)
@pytest.mark.parametrize("fake_seq", [None, 99], ids=["unchained", "beyond-head"])
async def test_fake_purge_event_does_not_excuse_deleted_oldest_rows(
    database: Database, fake_seq: int | None
) -> None:
    """An attacker with write access deletes the oldest events and inserts an
    ``audit.purged`` row naming the right anchor, but not chained by a chainer (seq NULL,
    or a seq past the chain head): verify still reports the missing events."""
    await write(database, 5)
    async with database.session() as session:
        last_deleted = await session.scalar(select(AuditEvent).where(AuditEvent.seq == 2))
        assert last_deleted is not None and last_deleted.hash is not None
        anchor = {"seq": 2, "hash": last_deleted.hash}
        await session.execute(delete(AuditEvent).where(AuditEvent.seq <= 2))
        fake = await audit.record(
            session,
            "audit.purged",
            actor_type="system",
            data={"before": utcnow().isoformat(), "deleted": 2, "anchor": anchor},
        )
        if fake_seq is not None:
            await session.execute(
                update(AuditEvent)
                .where(AuditEvent.id == fake.id)
                .values(seq=fake_seq, prev_hash="f" * 64, hash="e" * 64)
            )
    result = await verify(database)
    assert not result.ok and result.seq == 3 and result.checked == 0
    assert "events 1..2 are missing" in (result.problem or "")
    assert result.unchained == (1 if fake_seq is None else 0)


@pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)
async def test_reordered_rows_are_caught(database: Database) -> None:
    await write(database, 5)
    async with database.session() as session:
        await session.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(seq=-2))
        await session.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(seq=2))
        await session.execute(update(AuditEvent).where(AuditEvent.seq == -2).values(seq=3))
    result = await verify(database)
    assert not result.ok and result.seq == 2


@pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)
async def test_purge_reanchors_and_is_audited(database: Database) -> None:
    await write(database, 4)
    cutoff = utcnow()
    await write(database, 2)
    async with database.session() as session:
        result = await audit.purge(session, cutoff, actor_type="system", actor_id="test")
    assert result.deleted == 4 and result.anchor_seq == 4
    assert await chain(database) == 0  # the purge chained its own event
    verified = await verify(database)
    assert verified.ok and verified.first_seq == 5 and verified.checked == 3
    async with database.session() as session:
        purged = await session.scalar(select(AuditEvent).where(AuditEvent.type == "audit.purged"))
    assert purged is not None and purged.data["deleted"] == 4
    assert purged.data["anchor"]["seq"] == 4 and purged.actor_id == "test"
    # Deleting more rows after the purge is still caught.
    async with database.session() as session:
        await session.execute(delete(AuditEvent).where(AuditEvent.seq == 5))
    assert not (await verify(database)).ok


async def test_purge_rejects_future(database: Database) -> None:
    async with database.session() as session:
        with pytest.raises(audit.ValidationFailed):
            await audit.purge(session, utcnow() + timedelta(days=1))


@pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)
async def test_concurrent_writers_keep_the_chain(database: Database) -> None:
    async def writer(k: int) -> None:
        for i in range(10):
            async with database.session() as session:
                await audit.record(session, "test.concurrent", actor_type="system", data={"k": k})
                await asyncio.sleep(0)
                if i % 3 == 0:
                    await audit.record(session, "test.concurrent", actor_type="system")

    await asyncio.gather(*(writer(k) for k in range(8)))
    assert await chain(database) == 8 * (10 + 4)
    result = await verify(database)
    assert result.ok, result
    assert result.checked == 8 * (10 + 4)


async def test_stdout_mirror_prints_committed_events_only(
    database: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from inset.settings import get_settings

    monkeypatch.setenv("INSET_AUDIT_STDOUT", "true")
    get_settings.cache_clear()
    try:
        async with database.session() as session:
            await audit.record(session, "test.kept", actor_type="system", data={"a": 1})
            await audit.record(session, "test.kept2", actor_type="system")
            assert capsys.readouterr().out == ""  # not before commit
        lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        assert [e["type"] for e in lines] == ["test.kept", "test.kept2"]
        assert lines[0]["data"] == {"a": 1} and lines[0]["id"]
        assert lines[0]["hash"] is None  # the chainer links it after the commit
        with pytest.raises(RuntimeError):
            async with database.session() as session:
                await audit.record(session, "test.rolled_back", actor_type="system")
                raise RuntimeError
        async with database.session() as session:
            await audit.record(session, "test.after", actor_type="system")
        assert [json.loads(x)["type"] for x in capsys.readouterr().out.splitlines()] == [
            "test.after"
        ]
    finally:
        monkeypatch.delenv("INSET_AUDIT_STDOUT")
        get_settings.cache_clear()
