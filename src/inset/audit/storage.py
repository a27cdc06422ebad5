"""Queries on the audit tables. Reads are keyset-paged (by id or seq) so any number of
events can be walked in bounded memory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, Select, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from inset.audit.chain import GENESIS_HASH
from inset.audit.models import AuditChainHead, AuditEvent

HEAD_ID = 1
BATCH = 1000


async def lock_head(session: AsyncSession) -> tuple[int, str]:
    """Take the chain lock and read the tip: ``(seq, last_hash)``.

    An UPDATE (that changes nothing) rather than a SELECT, so that the row lock
    (PostgreSQL) or the database write lock (SQLite) is held from here to the end of the
    caller's transaction: chainers in any number of processes take turns."""
    statement = (
        update(AuditChainHead)
        .where(AuditChainHead.id == HEAD_ID)
        .values(seq=AuditChainHead.seq)
        .returning(AuditChainHead.seq, AuditChainHead.last_hash)
        .execution_options(synchronize_session=False)
    )
    row = (await session.execute(statement)).first()
    if row is None:  # a database created without the 0002 migration's seed row
        await session.execute(
            insert(AuditChainHead).values(id=HEAD_ID, seq=0, last_hash=GENESIS_HASH)
        )
        row = (await session.execute(statement)).one()
    return int(row[0]), str(row[1])


async def set_head(session: AsyncSession, seq: int, last_hash: str) -> None:
    await session.execute(
        update(AuditChainHead)
        .where(AuditChainHead.id == HEAD_ID)
        .values(seq=seq, last_hash=last_hash)
        .execution_options(synchronize_session=False)
    )


# The columns the hash covers (chain.hash_of_row), plus the primary key.
_HASHED = (
    AuditEvent.id,
    AuditEvent.occurred_at,
    AuditEvent.type,
    AuditEvent.outcome,
    AuditEvent.actor_type,
    AuditEvent.actor_id,
    AuditEvent.external_identifier,
    AuditEvent.app_id,
    AuditEvent.session_id,
    AuditEvent.request_id,
    AuditEvent.ip,
    AuditEvent.user_agent,
    AuditEvent.data,
)


async def unchained_batch(session: AsyncSession, limit: int) -> Sequence[Row[Any]]:
    """Up to ``limit`` committed events not chained yet, oldest id first (plain rows)."""
    query = select(*_HASHED).where(AuditEvent.seq.is_(None)).order_by(AuditEvent.id)
    return (await session.execute(query.limit(limit))).all()


async def has_unchained(session: AsyncSession) -> bool:
    """Cheap: is any event waiting for the chainer? (uses the index on ``seq``)"""
    query = select(AuditEvent.id).where(AuditEvent.seq.is_(None)).limit(1)
    return (await session.scalar(query)) is not None


async def set_links(session: AsyncSession, links: list[dict[str, Any]]) -> None:
    """``[{"id", "seq", "prev_hash", "hash"}, …]`` in one executemany."""
    await session.execute(update(AuditEvent), links)


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
) -> AsyncIterator[Row[Any]]:
    """Every matching event, oldest first, in keyset batches (bounded memory), as plain
    rows (no ORM objects: export and usage only read them) with the model's attribute
    names."""
    after = 0
    columns = AuditEvent.__table__.columns
    while True:
        query = _filtered(select(*columns), f).where(AuditEvent.id > after)
        rows = (await session.execute(query.order_by(AuditEvent.id).limit(batch))).all()
        for row in rows:
            yield row
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


async def oldest_unchained_at(session: AsyncSession) -> datetime | None:
    query = select(func.min(AuditEvent.occurred_at)).where(AuditEvent.seq.is_(None))
    value = await session.scalar(query)
    if isinstance(value, str):  # SQLite returns min() of a DATETIME column as text
        value = datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


async def purge_anchors(session: AsyncSession, *, upto: int) -> Sequence[AuditEvent]:
    """The chained ``audit.purged`` events with seq <= ``upto`` (each records the anchor
    the chain restarts from). Unchained ones (seq NULL) are left out: nothing vouches for
    them yet, so they must not excuse a gap."""
    query = (
        select(AuditEvent)
        .where(
            AuditEvent.type == "audit.purged",
            AuditEvent.seq.is_not(None),
            AuditEvent.seq <= upto,
            AuditEvent.hash.is_not(None),
        )
        .order_by(AuditEvent.seq)
    )
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


async def delete_through(session: AsyncSession, seq: int | None) -> int:
    """Delete the chain prefix up to ``seq`` (nothing when None)."""
    if seq is None:
        return 0
    result = await session.execute(delete(AuditEvent).where(AuditEvent.seq <= seq))
    return int(getattr(result, "rowcount", 0) or 0)
