"""Apps and their immutable releases."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from inset.db import Base, JSONValue, UTCDateTime, utcnow


class App(Base):
    """An app, identified by the uuid in its app.yaml; its slug is the folder name."""

    __tablename__ = "apps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # The release "latest" resolves to; moved by deploy and by promote (rollback).
    latest_release_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Release(Base):
    """One immutable, content-hashed version of an app's compiled bundle."""

    __tablename__ = "releases"
    __table_args__ = (
        UniqueConstraint("app_id", "version", name="uq_releases_app_version"),
        UniqueConstraint("app_id", "content_hash", name="uq_releases_app_content"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), index=True)
    version: Mapped[str] = mapped_column(String(64))
    content_hash: Mapped[str] = mapped_column(String(64))
    bundle: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    git_commit: Mapped[str | None] = mapped_column(String(64), nullable=True)
    git_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
