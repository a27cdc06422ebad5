"""Single-use embed nonces and the sessions they turn into."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from inset.db import Base, JSONValue, UTCDateTime, utcnow


class EmbedGrant(Base):
    """What one embed URL grants; the URL's nonce is stored only as a hash."""

    __tablename__ = "embed_grants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nonce_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    external_user_id: Mapped[int] = mapped_column(ForeignKey("external_users.id"), index=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"))
    release_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: latest
    group_ids: Mapped[list[int]] = mapped_column(JSONValue)
    user_metadata: Mapped[dict[str, Any]] = mapped_column(JSONValue, default=dict)
    environment: Mapped[str] = mapped_column(String(64))
    page_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    parent_origin: Mapped[str | None] = mapped_column(String(300), nullable=True)
    session_mode: Mapped[str] = mapped_column(String(16))
    session_minutes: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class EmbedSession(Base):
    """One external user's session in one iframe; its secret is stored only as a hash."""

    __tablename__ = "embed_sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("embed_grants.id"))
    external_user_id: Mapped[int] = mapped_column(ForeignKey("external_users.id"), index=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"))
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id"))
    group_ids: Mapped[list[int]] = mapped_column(JSONValue)
    group_names: Mapped[list[str]] = mapped_column(JSONValue)
    user_metadata: Mapped[dict[str, Any]] = mapped_column(JSONValue, default=dict)
    environment: Mapped[str] = mapped_column(String(64))
    parent_origin: Mapped[str | None] = mapped_column(String(300), nullable=True)
    session_mode: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_reason: Mapped[str | None] = mapped_column(String(64), nullable=True)
