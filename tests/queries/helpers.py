"""Building blocks for query and resource tests: a SessionContext, hand-made bundles, an
injection corpus, resource setup, audit reading and log capture."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from inset.audit.models import AuditEvent
from inset.db import Database, utcnow
from inset.embed.context import SessionContext
from inset.queries.compiler import compile_sql
from inset.resources import service as resources_service

INJECTIONS = [
    "'",
    "''",
    '"',
    "\\",
    "\\'",
    "'; DROP TABLE stock; --",
    "'); DROP TABLE stock; --",
    "Robert'); DROP TABLE stock;--",
    "1' OR '1'='1",
    "1 OR 1=1",
    "' OR 1=1 --",
    "' UNION SELECT name, name FROM stock --",
    "x' UNION ALL SELECT NULL, NULL, NULL --",
    "*/ DROP TABLE stock; /*",
    "-- comment",
    "/* comment */",
    "\\'; DROP TABLE stock; #",
    "%s",
    "%%",
    "%(x)s",
    "?",
    "$1",
    ":name",
    "{{ current_user.metadata.supplierId }}",
    "`stock`",
    "ünïcødé ✓ 𝄞 ' \" `",
    "中文'--",
    "\u202e' OR 1=1",
    "\n\r\t;\x1a",
    "0x27",
    "CHAR(39)",
    "' || (SELECT 1) || '",
    "'; SELECT pg_sleep(10); --",
    "1; UPDATE stock SET quantity = 0",
    "x" * 2000,
]


def make_ctx(
    *,
    groups: tuple[str, ...] = ("suppliers",),
    metadata: dict[str, Any] | None = None,
    environment: str = "production",
    external_identifier: str = "user-1",
) -> SessionContext:
    return SessionContext(
        session_id=str(uuid.uuid4()),
        external_user_id=1,
        external_identifier=external_identifier,
        email="ada@example.com",
        first_name="Ada",
        last_name="Lovelace",
        group_ids=[1],
        group_names=list(groups),
        metadata=dict(metadata or {}),
        app_id=7,
        release_id=3,
        environment=environment,
        parent_origin="https://app.example.com",
        mode="cookieless",
        expires_at=utcnow() + timedelta(hours=1),
    )


def make_query(
    sql: str,
    params: dict[str, Any] | None = None,
    *,
    kind: str = "read",
    resource: str = "shop",
    allowed_groups: list[str] | None = None,
) -> dict[str, Any]:
    declared = params or {}
    return {
        "kind": kind,
        "resource": resource,
        "trigger": "manual",
        "allowedGroups": allowed_groups,
        "params": declared,
        "sql": sql,
        "compiled": compile_sql(sql, declared),
    }


def make_bundle(**queries: dict[str, Any]) -> dict[str, Any]:
    return {
        "format": 1,
        "uuid": str(uuid.uuid4()),
        "slug": "test-app",
        "name": "Test app",
        "version": "1.0.0",
        "access": [{"group": "suppliers", "level": "use"}],
        "embed": {"parentOrigins": []},
        "theme": {},
        "pages": [],
        "queries": queries,
    }


async def add(
    database: Database,
    name: str,
    type: str,
    url: str,
    environment: str = "production",
    **kwargs: Any,
) -> None:
    async with database.session() as session:
        await resources_service.add_resource(
            session, name, type, url, environment=environment, **kwargs
        )


async def audit_events(database: Database) -> list[AuditEvent]:
    async with database.session() as session:
        return list(await session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


class LogCapture:
    """Everything our modules and the drivers log during a test, as text."""

    def __init__(self, buffer: io.StringIO, capsys: pytest.CaptureFixture[str]) -> None:
        self.buffer = buffer
        self.capsys = capsys
        self.records: list[logging.LogRecord] = []

    def text(self) -> str:
        out, err = self.capsys.readouterr()
        stdlib = "\n".join(
            f"{r.name} {r.levelname} {r.getMessage()} {r.exc_text or ''}" for r in self.records
        )
        return "\n".join([self.buffer.getvalue(), stdlib, out, err])

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.buffer.getvalue().splitlines() if line]


class ListHandler(logging.Handler):
    def __init__(self, records: list[logging.LogRecord]) -> None:
        super().__init__(level=logging.DEBUG)
        self.records = records

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        self.records.append(record)


Runner = Callable[..., Awaitable[dict[str, Any]]]
