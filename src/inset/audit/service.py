"""Recording audit events, in the caller's transaction so an event and its effect commit
together (or neither does)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from inset.audit.models import AuditEvent


async def record(
    session: AsyncSession,
    type: str,
    *,
    actor_type: str,
    actor_id: str | int | None = None,
    outcome: str = "ok",
    external_identifier: str | None = None,
    app_id: int | None = None,
    session_id: str | None = None,
    request_id: str | None = None,
    ip: str | None = None,
    user_agent: str | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event. Never pass secrets in ``data``."""
    event = AuditEvent(
        type=type,
        outcome=outcome,
        actor_type=actor_type,
        actor_id=None if actor_id is None else str(actor_id),
        external_identifier=external_identifier,
        app_id=app_id,
        session_id=session_id,
        request_id=request_id,
        ip=ip,
        user_agent=(user_agent or "")[:400] or None,
        data=data or {},
    )
    session.add(event)
    await session.flush()
    return event
