"""The append-only audit log, hash-chained for tamper evidence."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from inset.db import Base, JSONValue, UTCDateTime, utcnow


class AuditEvent(Base):
    """One thing that happened: who (actor), what (type, data), where (app), when.

    ``seq`` is the event's position in the hash chain (1, 2, 3 … without gaps), ``hash``
    the SHA-256 of the event's canonical JSON including ``prev_hash`` (see chain.py)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    seq: Mapped[int | None] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), nullable=True, unique=True
    )
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    type: Mapped[str] = mapped_column(String(64), index=True)
    outcome: Mapped[str] = mapped_column(String(16), default="ok")
    # token | admin | external_user | cli | anonymous (| system: older audit.purged events)
    actor_type: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    external_identifier: Mapped[str | None] = mapped_column(String(255), nullable=True, index=True)
    app_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    session_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    request_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    user_agent: Mapped[str | None] = mapped_column(String(400), nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSONValue, default=dict)
    prev_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    hash: Mapped[str | None] = mapped_column(String(64), nullable=True)


class AuditChainHead(Base):
    """The single row (id 1) holding the chain's tip. Writers lock it (UPDATE first), so
    hash assignment is serialized across processes; see docs/audit.md for the cost."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
