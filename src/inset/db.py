"""The metadata database: declarative base, column types and the one session factory."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy.exc
from sqlalchemy import JSON, DateTime, MetaData, TypeDecorator, event, make_url
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import NullPool

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def utcnow() -> datetime:
    """Now, timezone-aware UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC (portable across SQLite and PostgreSQL), returns aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class JSONValue(TypeDecorator[Any]):
    """JSON column that keeps key order and non-ASCII text on every backend."""

    impl = JSON
    cache_ok = True


def _json_dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class Database:
    """Owns the engine and the session factory for one metadata database URL."""

    def __init__(self, url: str) -> None:
        self.url = url
        kwargs: dict[str, Any] = {"json_serializer": _json_dumps}
        if url.startswith("sqlite"):
            _ensure_sqlite_folder(url)
            # One file, many connections: let SQLite wait for locks instead of failing.
            kwargs["connect_args"] = {"timeout": 30}
            if _is_memory(url):
                kwargs["poolclass"] = NullPool
            else:
                # Reuse connections: opening one (a thread, the file, the pragmas) costs
                # more than most requests' queries.
                kwargs.update(pool_size=5, max_overflow=10)
        else:
            kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if url.startswith("sqlite"):
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session in a transaction: committed on success, rolled back on error."""
        async with self.sessionmaker() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()


def _is_memory(url: str) -> bool:
    return make_url(url).database in (None, "", ":memory:")


def _ensure_sqlite_folder(url: str) -> None:
    """The database file's folder exists, and the file (once there) is in WAL mode: set here
    once, before any pooled connection races to switch it (see _sqlite_pragmas)."""
    path = make_url(url).database
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        if Path(path).exists():
            with (
                contextlib.suppress(sqlite3.OperationalError),  # busy: _sqlite_pragmas retries
                contextlib.closing(sqlite3.connect(path, timeout=30)) as conn,
            ):
                conn.execute("PRAGMA journal_mode=WAL")


def describe_db_error(exc: BaseException) -> str:
    """One line about a database failure, without SQL, parameters or credentials."""
    original = getattr(exc, "orig", None) or exc
    first_line = (str(original).strip().splitlines() or [""])[0]
    return f"{type(original).__name__}: {first_line}"[:300]


# SQLSTATE classes that mean "the database is not there right now", not "this statement
# is wrong": connection exceptions, insufficient resources (too many connections) and
# operator intervention (shutdown, restart, cannot connect now).
_UNAVAILABLE_SQLSTATES = ("08", "53", "57P")


def is_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` says the metadata database cannot be reached (down, restarting,
    connection dropped, pool exhausted) rather than that a statement failed."""
    if isinstance(exc, sqlalchemy.exc.TimeoutError):  # no pooled connection in time
        return True
    if not isinstance(exc, sqlalchemy.exc.DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    if not isinstance(exc, (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError)):
        return False
    state = getattr(exc.orig, "sqlstate", None)
    return state is None or str(state).startswith(_UNAVAILABLE_SQLSTATES)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")
    # Switching to WAL needs a lock that may answer "database is locked" at once, without
    # waiting, while another process writes; once the file is in WAL mode (it stays so),
    # new connections only read the mode.
    cursor.execute("PRAGMA journal_mode")
    if str(cursor.fetchone()[0]).lower() != "wal":
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
        except Exception as exc:  # the driver adapter's OperationalError
            if "locked" not in str(exc):
                raise
            # Another connection holds the lock (most likely switching the file to WAL
            # itself); Database() already set it for files it opens, so go on.
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL + NORMAL: a commit is durable across a process crash and never corrupts the
    # file; only an OS crash or power loss may roll back the last commits (atomically:
    # an effect and its audit event together). FULL would fsync on every commit.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
