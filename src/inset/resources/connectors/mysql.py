"""MySQL and MariaDB resources (aiomysql), through a lazily created pool.

Every query runs in ``START TRANSACTION READ ONLY`` (reads) or ``START TRANSACTION``
(writes) … ``COMMIT``. The server enforces the timeout (``max_statement_time`` on MariaDB,
``max_execution_time`` on MySQL, which covers SELECT only); a client-side backstop kills
the statement with ``KILL QUERY`` when the server did not stop it in time. Reads stream
through an unbuffered cursor and stop after ``max_rows + 1`` rows; the connection is then
discarded instead of draining the rest.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlsplit

import aiomysql
from pymysql.converters import encoders  # type: ignore[import-untyped]

from inset.queries.compiler import render
from inset.queries.results import QueryResult, RowCollector
from inset.resources.connectors.base import ConnectorError, JsonParam, driver_error
from inset.resources.schemas import ResourceConfig

DEFAULT_POOL_MAX_SIZE = 10
DEFAULT_CONNECT_TIMEOUT = 10.0
BACKSTOP_SECONDS = 2.0
_BATCH = 500
_CLIENT_FOUND_ROWS = 2  # pymysql.constants._CLIENT_FOUND_ROWS
_FIELD_TYPE_JSON = 245  # pymysql.constants._FIELD_TYPE_JSON

_TIMEOUT_ERRORS = {1969, 3024, 1317, 1205, 3572}
_READ_ONLY_ERRORS = {1792}
_CONSTRAINT_ERRORS = {1048, 1062, 1169, 1216, 1217, 1364, 1451, 1452, 1557, 1586, 3819, 4025}
_CONNECT_ERRORS = {
    1040: "too many connections",
    1044: "access to the database denied",
    1045: "authentication failed",
    1049: "the database does not exist",
    1129: "host blocked",
    1130: "host not allowed",
    1251: "authentication method not supported",
    2003: "server unreachable",
    2005: "server unreachable",
    2006: "connection lost",
    2013: "connection lost",
    2055: "connection lost",
}


def parse_url(url: str) -> dict[str, Any]:
    """``mysql://user:password@host:port/database`` as aiomysql.connect keyword arguments."""
    parts = urlsplit(url)
    return {
        "host": parts.hostname or "localhost",
        "port": parts.port or 3306,
        "user": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "db": unquote(parts.path.lstrip("/")) or None,
    }


class _Binary:
    """Bytes for aiomysql, whose own bytes path calls an alias PyMySQL 1.1+ broke on
    purpose (PyMySQL issue 1274): escaped as ``_binary X'<hex>'`` by PyMySQL's encoders."""

    __slots__ = ("value",)

    def __init__(self, value: bytes) -> None:
        self.value = value


encoders[_Binary] = lambda value, mapping=None: f"_binary X'{value.value.hex()}'"


def adapt(value: Any) -> Any:
    """A bind value as MySQL takes it: JSON as text, aware datetimes in UTC (no zones),
    bytes (file params) as a binary literal."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return _Binary(bytes(value))
    if isinstance(value, JsonParam):
        return json.dumps(value.value, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _decode_json(value: Any) -> Any:
    if isinstance(value, (str, bytes)):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def classify(exc: BaseException) -> ConnectorError:
    """A PyMySQL error as a ConnectorError, by errno only."""
    errno = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
    if errno in _TIMEOUT_ERRORS:
        return driver_error("timeout", exc, errno)
    if errno in _READ_ONLY_ERRORS:
        return driver_error("read_only", exc, errno)
    if errno in _CONSTRAINT_ERRORS:
        return driver_error("constraint", exc, errno)
    if errno in _CONNECT_ERRORS:
        return driver_error("connect", exc, errno, reason=_CONNECT_ERRORS[errno])
    return driver_error("failed", exc, errno)


def server_timeout(server_info: str, timeout: float) -> tuple[str, tuple[Any, ...]]:
    """The statement that makes the server stop a query after ``timeout`` seconds."""
    if "MariaDB" in server_info:
        return "SET SESSION max_statement_time = %s", (float(timeout),)
    return "SET SESSION max_execution_time = %s", (int(timeout * 1000),)


class MysqlConnector:
    """A MySQL or MariaDB database, through one pool per resource configuration."""

    def __init__(self, config: ResourceConfig) -> None:
        self.config = config
        self.connect_timeout = float(config.option("connectTimeout", DEFAULT_CONNECT_TIMEOUT))
        self.pool_max_size = int(config.option("poolMaxSize", DEFAULT_POOL_MAX_SIZE))
        self._connect_kwargs: dict[str, Any] = {
            **parse_url(config.url),
            "autocommit": True,
            "charset": "utf8mb4",
            # affectedRows counts matched rows, as PostgreSQL and SQLite do.
            "client_flag": _CLIENT_FOUND_ROWS,
            "connect_timeout": self.connect_timeout,
        }
        self._pool: Any = None
        self._lock: asyncio.Lock | None = None

    async def _get_pool(self) -> Any:
        if self._pool is not None:
            return self._pool
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._pool is None:
                self._pool = await aiomysql.create_pool(
                    minsize=0,
                    maxsize=self.pool_max_size,
                    pool_recycle=300,
                    **self._connect_kwargs,
                )
        return self._pool

    async def _acquire(self) -> Any:
        pool = await self._get_pool()
        try:
            async with asyncio.timeout(self.connect_timeout + BACKSTOP_SECONDS):
                return await pool.acquire()
        except aiomysql.MySQLError as exc:
            raise classify(exc) from None
        except TimeoutError:
            raise ConnectorError(
                "connect", driver="asyncio.TimeoutError", reason="connection timed out"
            ) from None

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
        params = tuple(adapt(v) for v in values)
        conn = await self._acquire()
        try:
            thread_id = conn.thread_id()
            try:
                return await asyncio.wait_for(
                    self._run(conn, sql, params, read_only, timeout, max_rows, max_bytes),
                    timeout + BACKSTOP_SECONDS,
                )
            except TimeoutError:
                conn.close()
                await self._kill(thread_id)
                raise ConnectorError("timeout", driver="asyncio.TimeoutError") from None
            except aiomysql.MySQLError as exc:
                if not conn.closed:
                    try:
                        await conn.rollback()
                    except aiomysql.MySQLError:
                        conn.close()
                raise classify(exc) from None
            except asyncio.CancelledError:
                # The caller went away mid-statement: the connection's state is unknown.
                conn.close()
                raise
        finally:
            self._pool.release(conn)

    @staticmethod
    async def _run(
        conn: Any,
        sql: str,
        params: tuple[Any, ...],
        read_only: bool,
        timeout: float,  # noqa: ASYNC109 (the connector contract)
        max_rows: int,
        max_bytes: int,
    ) -> QueryResult:
        setup = await conn.cursor()
        await setup.execute(*server_timeout(conn.get_server_info(), timeout))
        await setup.execute("START TRANSACTION READ ONLY" if read_only else "START TRANSACTION")
        await setup.close()

        cursor = await conn.cursor(aiomysql.SSCursor if read_only else aiomysql.Cursor)
        # Always pass a tuple: PyMySQL applies %-formatting (and un-doubles %%) only then.
        await cursor.execute(sql, params)
        description = cursor.description or ()
        decoders = {
            index: _decode_json
            for index, column in enumerate(description)
            if column[1] == _FIELD_TYPE_JSON
        }
        collector = RowCollector([c[0] for c in description], max_rows, max_bytes, decoders)
        if description:
            fetched = 0
            while not collector.done and fetched <= max_rows:
                batch = await cursor.fetchmany(min(_BATCH, max_rows + 1 - fetched))
                if not batch:
                    break
                fetched += len(batch)
                for row in batch:
                    if not collector.add(row):
                        break
        result = collector.result
        if not read_only:
            result.affected_rows = max(cursor.rowcount, 0)
        if read_only and collector.done:
            # Rows may remain unread: drop the connection rather than drain them.
            conn.close()
            return result
        await cursor.close()
        await conn.commit()
        return result

    async def _kill(self, thread_id: int) -> None:
        """Stop a statement the server did not stop itself (best effort)."""
        try:
            async with asyncio.timeout(self.connect_timeout):
                killer = await aiomysql.connect(**self._connect_kwargs)
                try:
                    async with killer.cursor() as cursor:
                        await cursor.execute("KILL QUERY %s", (int(thread_id),))
                finally:
                    killer.close()
        except (aiomysql.MySQLError, TimeoutError, OSError):
            pass

    async def ping(self) -> None:
        try:
            async with asyncio.timeout(self.connect_timeout + BACKSTOP_SECONDS):
                conn = await aiomysql.connect(**self._connect_kwargs)
                try:
                    async with conn.cursor() as cursor:
                        await cursor.execute("SELECT 1")
                        await cursor.fetchall()
                finally:
                    conn.close()
        except aiomysql.MySQLError as exc:
            raise classify(exc) from None
        except TimeoutError:
            raise ConnectorError(
                "connect", driver="asyncio.TimeoutError", reason="connection timed out"
            ) from None

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()
            await pool.wait_closed()
