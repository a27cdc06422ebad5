"""SessionContext: who is calling /api/runtime/*, built from the session row only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class SessionContext:
    """An authenticated embed session. ``current_user`` in SQL comes from here only."""

    session_id: str
    external_user_id: int
    external_identifier: str
    email: str | None
    first_name: str | None
    last_name: str | None
    group_ids: list[int]
    group_names: list[str]
    metadata: dict[str, Any]
    app_id: int
    release_id: int
    environment: str
    parent_origin: str | None
    mode: str
    expires_at: datetime
    page_name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def current_user(self) -> dict[str, Any]:
        """The ``current_user`` object that SQL bindings read (server side only)."""
        return {
            "externalIdentifier": self.external_identifier,
            "email": self.email,
            "firstName": self.first_name,
            "lastName": self.last_name,
            "groups": list(self.group_names),
            "metadata": dict(self.metadata),
        }
