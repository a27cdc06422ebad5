"""PostgreSQL resources (psycopg 3, async), through a lazily opened connection pool.

Every query runs in its own transaction::

    BEGIN
    SET TRANSACTION READ ONLY                      -- read queries
    SELECT set_config('statement_timeout', …, true),
           set_config('inset.external_id', …, true),
           set_config('inset.groups', …, true),     -- JSON array of group names
           set_config('inset.metadata', …, true)    -- JSON object (the embed metadata)
    DECLARE … CURSOR FOR <query>; FETCH …           -- reads: at most max_rows + 1 rows
    COMMIT

``set_config(…, true)`` is transaction-local, so nothing leaks to the next user of the
pooled connection, and row-level security policies can read
``current_setting('inset.metadata', true)``.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import psycopg
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from inset.queries.compiler import render
from inset.queries.results import QueryResult, RowCollector
from inset.resources.connectors.base import ConnectorError, JsonParam, driver_error
from inset.resources.schemas import ResourceConfig

DEFAULT_POOL_MAX_SIZE = 10
DEFAULT_CONNECT_TIMEOUT = 10.0
BACKSTOP_SECONDS = 5.0
_BATCH = 500
_CURSOR_NAME = "inset_query"
_SETTINGS_SQL = "SELECT set_config('statement_timeout', %s, true)"
_RLS_SQL = (
    "SELECT set_config('statement_timeout', %s, true), "
    "set_config('inset.external_id', %s, true), "
    "set_config('inset.groups', %s, true), "
    "set_config('inset.metadata', %s, true)"
)


def adapt(value: Any) -> Any:
    """A bind value as psycopg should send it (JSON as jsonb)."""
    if isinstance(value, JsonParam):
        return Jsonb(value.value)
    if isinstance(value, (dict, list)):
        return Jsonb(value)
    return value


def _connect_reason(exc: BaseException) -> str | None:
    """Our own words for why a connection failed (the driver's text is never shown)."""
    text = str(exc)
    if "password authentication failed" in text or "no password supplied" in text:
        return "authentication failed"
    if "does not exist" in text and "database" in text:
        return "the database does not exist"
    if "does not exist" in text and "role" in text:
        return "the user (role) does not exist"
    if "timeout expired" in text:
        return "connection timed out"
    if any(
        marker in text
        for marker in ("Connection refused", "could not translate host name", "No route to host")
    ):
        return "server unreachable"
    return None


def classify(exc: psycopg.Error) -> ConnectorError:
    """A psycopg error as a ConnectorError, by SQLSTATE only."""
    if isinstance(exc, PoolTimeout):
        return driver_error("connect", exc, reason="no connection available in time")
    state = exc.sqlstate
    if state is None:
        if isinstance(exc, psycopg.OperationalError):
            return driver_error("connect", exc, reason=_connect_reason(exc))
        return driver_error("failed", exc)
    if state in ("57014", "55P03"):  # query_canceled (statement_timeout), lock_not_available
        return driver_error("timeout", exc, state)
    if state == "25006":  # read_only_sql_transaction
        return driver_error("read_only", exc, state)
    if state.startswith("23"):
        return driver_error("constraint", exc, state)
    if state.startswith(("08", "28", "3D", "57P")):
        return driver_error("connect", exc, state)
    return driver_error("failed", exc, state)


async def _collect(
    cursor: psycopg.AsyncCursor[Any] | psycopg.AsyncServerCursor[Any],
    max_rows: int,
    max_bytes: int,
    *,
    stop_early: bool,
) -> QueryResult:
    """Encode rows under the limits; with ``stop_early`` fetch at most ``max_rows + 1``."""
    collector = RowCollector(
        [column.name for column in cursor.description or ()], max_rows, max_bytes
    )
    if cursor.description is None:
        return collector.result
    fetched = 0
    while not (stop_early and (collector.done or fetched > max_rows)):
        size = min(_BATCH, max_rows + 1 - fetched) if stop_early else _BATCH
        batch = await cursor.fetchmany(size)
        if not batch:
            break
        fetched += len(batch)
        for row in batch:
            if not collector.add(row) and stop_early:
                break
    return collector.result


class PostgresConnector:
    """A PostgreSQL database, through one pool per resource configuration."""

    def __init__(self, config: ResourceConfig) -> None:
        self.config = config
        self.connect_timeout = float(config.option("connectTimeout", DEFAULT_CONNECT_TIMEOUT))
        self.pool_max_size = int(config.option("poolMaxSize", DEFAULT_POOL_MAX_SIZE))
        self._pool: AsyncConnectionPool[Any] | None = None
        self._lock: asyncio.Lock | None = None
        # Until one direct connection has worked (and again after a connection failure),
        # queries first try a direct connection: a down or misconfigured database then
        # fails at once with a precise reason instead of after the pool's wait timeout.
        self._reachable = False

    async def _get_pool(self) -> AsyncConnectionPool[Any]:
        if self._pool is not None:
            return self._pool
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._pool is None:
                pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
                    self.config.url,
                    min_size=0,
                    max_size=self.pool_max_size,
                    open=False,
                    timeout=self.connect_timeout,
                    kwargs={
                        "autocommit": True,
                        "connect_timeout": max(1, round(self.connect_timeout)),
                        "application_name": "inset",
                    },
                    check=AsyncConnectionPool.check_connection,
                    name=f"inset:{self.config.name}:{self.config.environment}",
                    max_idle=300.0,
                    reconnect_timeout=60.0,
                )
                await pool.open()
                self._pool = pool
        return self._pool

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
        sql = render(compiled, "%s", escape_percent=True)
        params = [adapt(v) for v in values]
        setup = self._settings(timeout, rls)
        if not self._reachable:
            await self.ping()
            self._reachable = True
        pool = await self._get_pool()
        try:
            async with asyncio.timeout(timeout + self.connect_timeout + BACKSTOP_SECONDS):
                try:
                    return await self._transaction(
                        pool, setup, sql, params, read_only, read_only, max_rows, max_bytes
                    )
                except psycopg.errors.SyntaxError:
                    if not read_only:
                        raise
                    # DECLARE … CURSOR takes only SELECT, VALUES, TABLE or WITH … SELECT.
                    # Anything else (SHOW, EXPLAIN, a write by mistake) runs again with a
                    # plain cursor, in a new transaction that is still read-only.
                    return await self._transaction(
                        pool, setup, sql, params, True, False, max_rows, max_bytes
                    )
        except psycopg.Error as exc:
            error = classify(exc)
            if error.kind == "connect":
                self._reachable = False
            raise error from None
        except TimeoutError:
            raise ConnectorError("timeout", driver="asyncio.TimeoutError") from None

    @staticmethod
    def _settings(timeout: float, rls: dict[str, Any] | None) -> tuple[str, list[str]]:
        timeout_ms = str(max(1, int(timeout * 1000)))
        if rls is None:
            return _SETTINGS_SQL, [timeout_ms]
        return _RLS_SQL, [
            timeout_ms,
            str(rls.get("externalIdentifier") or ""),
            json.dumps(list(rls.get("groups") or []), ensure_ascii=False),
            json.dumps(dict(rls.get("metadata") or {}), ensure_ascii=False),
        ]

    @staticmethod
    async def _transaction(
        pool: AsyncConnectionPool[Any],
        setup: tuple[str, list[str]],
        sql: str,
        params: list[Any],
        read_only: bool,
        server_cursor: bool,
        max_rows: int,
        max_bytes: int,
    ) -> QueryResult:
        async with pool.connection() as conn, conn.transaction():
            if read_only:
                await conn.execute("SET TRANSACTION READ ONLY")
            await conn.execute(setup[0], setup[1])
            if server_cursor:
                # Rows beyond max_rows + 1 never leave the server.
                async with conn.cursor(name=_CURSOR_NAME) as named:
                    await named.execute(sql, params)
                    return await _collect(named, max_rows, max_bytes, stop_early=True)
            cursor = conn.cursor()
            try:
                await cursor.execute(sql, params)
                result = await _collect(cursor, max_rows, max_bytes, stop_early=read_only)
                if not read_only:
                    result.affected_rows = max(cursor.rowcount, 0)
                return result
            finally:
                await cursor.close()

    async def ping(self) -> None:
        try:
            async with asyncio.timeout(self.connect_timeout + BACKSTOP_SECONDS):
                conn = await psycopg.AsyncConnection.connect(
                    self.config.url,
                    autocommit=True,
                    connect_timeout=max(1, round(self.connect_timeout)),
                    application_name="inset",
                )
                try:
                    await conn.execute("SELECT 1")
                finally:
                    await conn.close()
        except psycopg.Error as exc:
            raise classify(exc) from None
        except TimeoutError:
            raise ConnectorError(
                "connect", driver="asyncio.TimeoutError", reason="connection timed out"
            ) from None

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()
