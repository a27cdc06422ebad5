"""Permission groups and external users (the host product's users)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from inset.db import Base, JSONValue, UTCDateTime, utcnow


class Group(Base):
    """A permission group; the host's embed call names groups by id or name."""

    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ExternalUser(Base):
    """An end user of the host product, keyed by the host's stable identifier."""

    __tablename__ = "external_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_identifier: Mapped[str] = mapped_column(String(255), unique=True)
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    first_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    last_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    last_group_ids: Mapped[list[int]] = mapped_column(JSONValue, default=list)
    last_metadata: Mapped[dict[str, Any]] = mapped_column(JSONValue, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
