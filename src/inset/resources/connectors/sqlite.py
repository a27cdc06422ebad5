"""SQLite resources (aiosqlite).

Reads use read-only connections (``file:…?mode=ro``, plus ``PRAGMA query_only``), so a
read query cannot change anything even through ATTACH; up to ``IDLE_READERS`` of them are
kept open per file and reused (opening one — a thread, the file, the pragmas — costs more
than a small query). In autocommit mode each statement reads the latest committed data.
Writes open a fresh read-write connection (never creating a missing file) inside
``BEGIN IMMEDIATE … COMMIT``. The timeout is enforced by a progress handler that
interrupts the statement once the query's deadline has passed.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from inset.queries.compiler import render
from inset.queries.results import QueryResult, RowCollector
from inset.resources.connectors.base import ConnectorError, JsonParam, driver_error
from inset.resources.schemas import ResourceConfig

# aiosqlite logs every statement with its bind values at DEBUG: params can be personal data
# or secrets, so its logger never goes below INFO.
logging.getLogger("aiosqlite").setLevel(logging.INFO)

_BATCH = 500
_PROGRESS_STEPS = 1000
PING_TIMEOUT = 5.0
IDLE_READERS = 4


def adapt(value: Any) -> Any:
    """A bind value as SQLite stores it: dates as ISO text, JSON as text."""
    if isinstance(value, JsonParam):
        return json.dumps(value.value, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return value


def classify(exc: sqlite3.Error | ValueError | OverflowError) -> ConnectorError:
    """A sqlite3 error as a ConnectorError, by result code only."""
    name = getattr(exc, "sqlite_errorname", None)
    code = str(name) if name else None
    if isinstance(exc, sqlite3.IntegrityError) or (code or "").startswith("SQLITE_CONSTRAINT"):
        return driver_error("constraint", exc, code)
    if code is None:
        return driver_error("failed", exc, code)
    if code.startswith(("SQLITE_INTERRUPT", "SQLITE_BUSY", "SQLITE_LOCKED")):
        return driver_error("timeout", exc, code)
    if code.startswith("SQLITE_READONLY"):
        return driver_error("read_only", exc, code)
    if code.startswith("SQLITE_NOTADB"):
        return driver_error("connect", exc, code, reason="the file is not a SQLite database")
    if code.startswith(("SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH")):
        return driver_error("connect", exc, code, reason="cannot open the database file")
    return driver_error("failed", exc, code)


class SqliteConnector:
    """A SQLite database file."""

    def __init__(self, config: ResourceConfig) -> None:
        self.path = Path(config.url)
        # Open read-only connections with their deadline holders, most recent last.
        self._idle: list[tuple[Any, list[float]]] = []
        self._deadlines: dict[int, list[float]] = {}

    def _uri(self, mode: str) -> str:
        return f"{self.path.resolve().as_uri()}?mode={mode}"

    async def _connect(self, read_only: bool, deadline: float, busy_wait: float) -> Any:
        """A connection whose progress handler interrupts past its holder's deadline (a
        reused connection gets the next query's deadline in its holder)."""
        if read_only and self._idle:
            conn, holder = self._idle.pop()
            holder[0] = deadline
            return conn
        try:
            conn = await aiosqlite.connect(
                self._uri("ro" if read_only else "rw"),
                uri=True,
                timeout=busy_wait,
                isolation_level=None,
            )
        except sqlite3.Error as exc:
            raise classify(exc) from None
        holder = [deadline]
        try:
            await conn.set_progress_handler(lambda: time.monotonic() > holder[0], _PROGRESS_STEPS)
            if read_only:
                await conn.execute("PRAGMA query_only = ON")
        except sqlite3.Error as exc:
            await conn.close()
            raise classify(exc) from None
        if read_only:
            self._deadlines[id(conn)] = holder
        return conn

    async def _release(self, conn: Any, read_only: bool, reusable: bool) -> None:
        """Keep a healthy read-only connection for the next read; close anything else."""
        holder = self._deadlines.get(id(conn)) if read_only else None
        if holder is not None and reusable and len(self._idle) < IDLE_READERS:
            self._idle.append((conn, holder))
        else:
            self._deadlines.pop(id(conn), None)
            await conn.close()

    async def execute(
        self,
        compiled: dict[str, Any],
        values: list[Any],
        *,
        read_only: bool,
        timeout: float,  # noqa: ASYNC109 (the connector contract)
        max_rows: int,
        max_bytes: int,
        rls: dict[str, Any] | None,
    ) -> QueryResult:
        sql = render(compiled, "?", escape_percent=False)
        params = [adapt(v) for v in values]
        deadline = time.monotonic() + timeout
        conn = await self._connect(read_only, deadline, timeout)
        reusable = False
        try:
            if not read_only:
                await conn.execute("BEGIN IMMEDIATE")
            cursor = await conn.execute(sql, params)
            collector = RowCollector([d[0] for d in cursor.description or ()], max_rows, max_bytes)
            if cursor.description:
                while True:
                    batch = await cursor.fetchmany(_BATCH)
                    for row in batch:
                        collector.add(row)
                    # A short batch is the last one: no extra round trip to the thread.
                    if len(batch) < _BATCH or (collector.done and read_only):
                        break
            result = collector.result
            if not read_only:
                result.affected_rows = max(cursor.rowcount, 0)
            await cursor.close()
            if not read_only:
                await conn.execute("COMMIT")
            reusable = not conn.in_transaction
            return result
        except (sqlite3.Error, ValueError, OverflowError) as exc:
            if conn.in_transaction:
                try:
                    await conn.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
            raise classify(exc) from None
        finally:
            await self._release(conn, read_only, reusable)

    async def ping(self) -> None:
        if not self.path.is_file():
            raise ConnectorError(
                "connect", code="SQLITE_CANTOPEN", driver="FileNotFoundError", reason="no such file"
            )
        deadline = time.monotonic() + PING_TIMEOUT
        conn = await self._connect(True, deadline, PING_TIMEOUT)
        try:
            # Reading the schema fails on a file that is not a SQLite database.
            cursor = await conn.execute("SELECT count(*) FROM sqlite_master")
            await cursor.fetchall()
            await cursor.close()
        except sqlite3.Error as exc:
            raise classify(exc) from None
        finally:
            await self._release(conn, True, reusable=False)

    async def close(self) -> None:
        """Close the idle read-only connections (writes have their own)."""
        idle, self._idle = self._idle, []
        self._deadlines.clear()
        for conn, _holder in idle:
            await conn.close()
