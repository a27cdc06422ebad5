"""The chainer: links committed audit events into the hash chain, off the request path.

A request's transaction inserts its events with ``seq``, ``prev_hash`` and ``hash`` NULL,
so an event commits atomically with its effect (nothing to drop, even on a crash) and the
request takes no global lock. Every ``INSET_AUDIT_CHAIN_INTERVAL_MS`` each server process
runs :func:`chain_pending`: in one short transaction per batch it locks the chain head,
reads unchained events by ``id``, gives them consecutive ``seq`` numbers, computes their
hashes (chain.py) and advances the head. Processes take turns on the head lock; the chain
order is ``seq`` (the order in which the chainer saw the events committed), not ``id``.
The app's lifespan runs a final pass on graceful shutdown (see docs/audit.md).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from inset.audit import storage
from inset.audit.chain import hash_of_row
from inset.db import Database, describe_db_error
from inset.logs import log

BATCH = 1000


async def chain_batch(session: AsyncSession, limit: int = BATCH) -> int:
    """Chain up to ``limit`` pending events in the caller's transaction; how many.

    Holds the chain lock from its first statement to the caller's commit, so keep the
    transaction short (commit right after)."""
    seq, prev_hash = await storage.lock_head(session)
    rows = await storage.unchained_batch(session, limit)
    if not rows:
        return 0
    links: list[dict[str, Any]] = []
    for row in rows:
        seq += 1
        digest = hash_of_row(row, prev_hash, seq)
        links.append({"id": row.id, "seq": seq, "prev_hash": prev_hash, "hash": digest})
        prev_hash = digest
    await storage.set_links(session, links)
    await storage.set_head(session, seq, prev_hash)
    return len(rows)


async def chain_all(session: AsyncSession) -> int:
    """Chain every pending event in the caller's transaction (purge, ``verify --chain``)."""
    total = 0
    while (done := await chain_batch(session)) > 0:
        total += done
        if done < BATCH:
            break
    return total


async def chain_pending(database: Database, *, limit: int = BATCH) -> int:
    """Chain every event committed so far, one transaction per batch; how many.

    Skips the lock entirely when nothing is pending (one indexed read)."""
    total = 0
    async with database.session() as session:
        if not await storage.has_unchained(session):
            return 0
    while True:
        async with database.session() as session:
            done = await chain_batch(session, limit)
        total += done
        if done < limit:
            return total


class Chainer:
    """One background task per server process: :func:`chain_pending` every ``interval``
    seconds, and a last pass on :meth:`stop`."""

    def __init__(self, database: Database, interval: float) -> None:
        self.database = database
        self.interval = interval
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def start(self) -> None:
        if self._task is None:
            self._stopping.clear()
            self._task = asyncio.create_task(self._loop(), name="inset-audit-chainer")

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.interval)
                return
            await self.run_once()

    async def run_once(self) -> int:
        """One pass; a failure (e.g. the database is briefly unreachable) is logged and
        the events stay pending for the next pass."""
        try:
            return await chain_pending(self.database)
        except Exception as exc:  # the loop must survive, the events are safe in the table
            log.warning("audit_chain_failed", error=describe_db_error(exc))
            return 0

    async def stop(self) -> int:
        """Let the loop finish its pass (never cancelled inside a transaction: a cancelled
        pass could leave its connection holding the chain lock), then chain what is still
        pending (graceful shutdown)."""
        if self._task is not None:
            self._stopping.set()
            await self._task
            self._task = None
        return await self.run_once()
