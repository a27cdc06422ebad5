"""Queries on the audit tables. Reads are keyset-paged (by id or seq) so any number of
events can be walked in bounded memory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from inset.audit.chain import GENESIS_HASH
from inset.audit.models import AuditChainHead, AuditEvent

HEAD_ID = 1
BATCH = 1000


async def advance_head(session: AsyncSession) -> tuple[int, str]:
    """Take the chain lock and the next sequence number: ``(seq, prev_hash)``.

    An UPDATE first, so the row lock (PostgreSQL) or the write lock (SQLite) is held from
    here to the end of the caller's transaction: hash assignment is serialized."""
    statement = (
        update(AuditChainHead)
        .where(AuditChainHead.id == HEAD_ID)
        .values(seq=AuditChainHead.seq + 1)
        .returning(AuditChainHead.seq, AuditChainHead.last_hash)
    )
    row = (await session.execute(statement)).first()
    if row is None:  # a database created without the 0002 migration's seed row
        await session.execute(
            insert(AuditChainHead).values(id=HEAD_ID, seq=0, last_hash=GENESIS_HASH)
        )
        row = (await session.execute(statement)).one()
    return int(row[0]), str(row[1])


async def set_head_hash(session: AsyncSession, last_hash: str) -> None:
    await session.execute(
        update(AuditChainHead).where(AuditChainHead.id == HEAD_ID).values(last_hash=last_hash)
    )


async def get_head(session: AsyncSession) -> AuditChainHead | None:
    return await session.get(AuditChainHead, HEAD_ID)


@dataclass(frozen=True)
class EventFilter:
    external_identifier: str | None = None
    app_id: int | None = None
    type_prefix: str | None = None
    type_exact: str | None = None
    outcome: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def _filtered(query: Select[Any], f: EventFilter) -> Select[Any]:
    if f.external_identifier is not None:
        query = query.where(AuditEvent.external_identifier == f.external_identifier)
    if f.app_id is not None:
        query = query.where(AuditEvent.app_id == f.app_id)
    if f.type_exact is not None:
        query = query.where(AuditEvent.type == f.type_exact)
    if f.type_prefix is not None:
        query = query.where(AuditEvent.type.startswith(f.type_prefix, autoescape=True))
    if f.outcome is not None:
        query = query.where(AuditEvent.outcome == f.outcome)
    if f.since is not None:
        query = query.where(AuditEvent.occurred_at >= f.since)
    if f.until is not None:
        query = query.where(AuditEvent.occurred_at < f.until)
    return query


async def page_events(
    session: AsyncSession, f: EventFilter, *, before_id: int | None, limit: int
) -> Sequence[AuditEvent]:
    """Up to ``limit`` events, newest first, with id < ``before_id``."""
    query = _filtered(select(AuditEvent), f)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    return (await session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit))).all()


async def iter_events(
    session: AsyncSession, f: EventFilter, *, batch: int = BATCH
) -> AsyncIterator[AuditEvent]:
    """Every matching event, oldest first, in keyset batches (bounded memory)."""
    after = 0
    while True:
        query = _filtered(select(AuditEvent), f).where(AuditEvent.id > after)
        rows = (await session.scalars(query.order_by(AuditEvent.id).limit(batch))).all()
        for row in rows:
            yield row
            session.expunge(row)  # keep the identity map (and memory) bounded
        if len(rows) < batch:
            return
        after = rows[-1].id


async def iter_chain(
    session: AsyncSession, *, upto: int, batch: int = BATCH
) -> AsyncIterator[AuditEvent]:
    """Chained events with seq <= ``upto`` in ``seq`` order, in keyset batches."""
    after = 0
    while True:
        query = (
            select(AuditEvent)
            .where(AuditEvent.seq > after, AuditEvent.seq <= upto)
            .order_by(AuditEvent.seq)
        )
        rows = (await session.scalars(query.limit(batch))).all()
        for row in rows:
            yield row
            session.expunge(row)
        if len(rows) < batch:
            return
        after = rows[-1].seq or after


async def count_unchained(session: AsyncSession) -> int:
    return int(
        await session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.seq.is_(None))
        )
        or 0
    )


async def purge_anchors(session: AsyncSession) -> Sequence[AuditEvent]:
    """The ``audit.purged`` events (each records the anchor the chain restarts from)."""
    query = select(AuditEvent).where(AuditEvent.type == "audit.purged").order_by(AuditEvent.seq)
    return (await session.scalars(query)).all()


async def last_seq_before(session: AsyncSession, before: datetime) -> AuditEvent | None:
    """The chained event with the highest seq that occurred before ``before``."""
    query = (
        select(AuditEvent)
        .where(AuditEvent.occurred_at < before, AuditEvent.seq.is_not(None))
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    )
    return await session.scalar(query)


async def delete_through(session: AsyncSession, seq: int | None, before: datetime) -> int:
    """Delete the chain prefix up to ``seq`` and unchained events older than ``before``."""
    conditions: list[ColumnElement[bool]] = [
        AuditEvent.seq.is_(None) & (AuditEvent.occurred_at < before)
    ]
    if seq is not None:
        conditions.append(AuditEvent.seq <= seq)
    result = await session.execute(delete(AuditEvent).where(or_(*conditions)))
    return int(getattr(result, "rowcount", 0) or 0)
