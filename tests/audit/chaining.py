"""Test helper: run the chainer's pass (as a server's background task would) right now."""

from __future__ import annotations

from inset.audit.chainer import chain_pending
from inset.db import Database


async def chain(database: Database) -> int:
    """Link every committed, unchained event into the hash chain; how many."""
    return await chain_pending(database)
