"""Audit API shapes."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class AuditEventOut(BaseModel):
    id: int
    seq: int | None
    occurredAt: str
    type: str
    outcome: str
    actorType: str
    actorId: str | None
    externalIdentifier: str | None
    appId: int | None
    sessionId: str | None
    requestId: str | None
    ip: str | None
    userAgent: str | None
    data: dict[str, Any]
    prevHash: str | None
    hash: str | None


class AuditEventPage(BaseModel):
    events: list[AuditEventOut]
    nextCursor: str | None
