"""The connector contract shared by every resource type.

A connector runs one compiled query (parts + bind values, see docs/architecture.md) and
returns a :class:`~inset.queries.results.QueryResult`. It raises only
:class:`ConnectorError`, whose text never contains a DSN, a password, SQL text or a driver
message (driver messages can quote data values or connection details).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

from inset.queries.results import QueryResult

ErrorKind = Literal["connect", "timeout", "read_only", "constraint", "failed"]


@dataclass(frozen=True)
class JsonParam:
    """A bind value that the driver must send as JSON (a ``json`` param, or a
    ``current_user`` value that is an object)."""

    value: Any


class ConnectorError(Exception):
    """A resource failed. ``kind`` says how; ``code`` is the driver's safe error code
    (PostgreSQL SQLSTATE, MySQL errno, SQLite result code name); ``driver`` is the driver's
    exception class name, for the server log."""

    def __init__(
        self,
        kind: ErrorKind,
        *,
        code: str | None = None,
        driver: str = "",
        reason: str | None = None,
    ) -> None:
        super().__init__(f"{kind} ({driver}{' ' + code if code else ''})")
        self.kind: ErrorKind = kind
        self.code = code
        self.driver = driver
        self.reason = reason
        """Our own words for a connection failure (e.g. "authentication failed"), never
        the driver's text; shown to admins by ``inset resources test``."""


def driver_error(
    kind: ErrorKind, exc: BaseException, code: Any = None, reason: str | None = None
) -> ConnectorError:
    """A ConnectorError describing ``exc`` by class and code only."""
    cls = type(exc)
    return ConnectorError(
        kind,
        code=None if code is None else str(code),
        driver=f"{cls.__module__}.{cls.__qualname__}",
        reason=reason,
    )


class Connector(Protocol):
    """One resource's connections (a pool where the driver has one)."""

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
        """Run the query once.

        ``read_only``: a read query (enforced by the database: a read-only connection or
        transaction). ``timeout``: seconds before the database cancels it. ``max_rows`` /
        ``max_bytes``: stop and set ``truncated``. ``rls``: the session's ``current_user``
        (``externalIdentifier``, ``groups``, ``metadata``) for PostgreSQL's
        ``inset.*`` settings; None outside a session (e.g. ``inset resources test``)."""
        ...

    async def ping(self) -> None:
        """Connect and run a trivial query; raises ConnectorError."""
        ...

    async def close(self) -> None:
        """Release every connection."""
        ...
