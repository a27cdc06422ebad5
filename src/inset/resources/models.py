"""Resources: connections to the team's databases and APIs, per environment."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from inset.db import Base, UTCDateTime, utcnow


class Resource(Base):
    """A named connection; its URL and headers are Fernet-encrypted at rest."""

    __tablename__ = "resources"
    __table_args__ = (
        UniqueConstraint("name", "environment", name="uq_resources_name_environment"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    environment: Mapped[str] = mapped_column(String(64), default="production")
    type: Mapped[str] = mapped_column(String(16))
    config_encrypted: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
