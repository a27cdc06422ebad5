"""Read-only listings for the admin UI: external users (search, paged) and one user's embed
sessions with their state and last activity."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from inset.access.models import ExternalUser
from inset.apps.models import App
from inset.audit.models import AuditEvent
from inset.db import utcnow
from inset.embed.models import EmbedSession
from inset.errors import NotFound, ValidationFailed

USER_PAGE = 50
SESSION_LIMIT = 200


@dataclass(frozen=True)
class UserPage:
    users: list[ExternalUser]
    next_cursor: str | None


def _encode(user_id: int) -> str:
    return base64.urlsafe_b64encode(f"u{user_id}".encode()).decode().rstrip("=")


def _decode(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not text.startswith("u"):
            raise ValueError(cursor)
        return int(text[1:])
    except ValueError:
        raise ValidationFailed("cursor is not one this API returned", field="cursor") from None


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


async def search_external_users(
    session: AsyncSession, search: str | None, cursor: str | None, limit: int = USER_PAGE
) -> UserPage:
    """External users whose identifier, email or name contains ``search`` (any case),
    newest first; ``next_cursor`` pages on."""
    query = select(ExternalUser).order_by(ExternalUser.id.desc()).limit(limit + 1)
    if search and search.strip():
        pattern = _like(search.strip())
        query = query.where(
            or_(
                *(
                    func.lower(column).like(pattern, escape="\\")
                    for column in (
                        ExternalUser.external_identifier,
                        ExternalUser.email,
                        ExternalUser.first_name,
                        ExternalUser.last_name,
                        func.coalesce(ExternalUser.first_name, "")
                        + " "
                        + func.coalesce(ExternalUser.last_name, ""),
                    )
                )
            )
        )
    if cursor:
        query = query.where(ExternalUser.id < _decode(cursor))
    users = list(await session.scalars(query))
    more = len(users) > limit
    users = users[:limit]
    return UserPage(users, _encode(users[-1].id) if more and users else None)


async def get_external_user(session: AsyncSession, external_identifier: str) -> ExternalUser:
    user = await session.scalar(
        select(ExternalUser).where(ExternalUser.external_identifier == external_identifier)
    )
    if user is None:
        raise NotFound(f"No external user '{external_identifier}'.", field="externalIdentifier")
    return user


@dataclass(frozen=True)
class SessionRow:
    session: EmbedSession
    app_slug: str
    app_name: str
    last_seen_at: datetime
    status: str  # live, ended (expired or signed out) or revoked


def session_status(row: EmbedSession, now: datetime) -> str:
    if row.revoked_at is not None:
        return "revoked" if row.revoked_reason == "revoked" else "ended"
    return "live" if row.expires_at > now else "ended"


async def user_sessions(session: AsyncSession, user: ExternalUser) -> list[SessionRow]:
    """The user's embed sessions, newest first, with their last activity (the latest audit
    event of the session, else its start)."""
    rows = (
        await session.execute(
            select(EmbedSession, App.slug, App.name)
            .join(App, App.id == EmbedSession.app_id)
            .where(EmbedSession.external_user_id == user.id)
            .order_by(EmbedSession.created_at.desc())
            .limit(SESSION_LIMIT)
        )
    ).all()
    latest = await session.execute(
        select(AuditEvent.session_id, func.max(AuditEvent.occurred_at))
        .where(
            AuditEvent.external_identifier == user.external_identifier,
            AuditEvent.session_id.is_not(None),
        )
        .group_by(AuditEvent.session_id)
    )
    seen: dict[str | None, datetime] = {sid: at for sid, at in latest}
    now = utcnow()
    return [
        SessionRow(
            session=row,
            app_slug=slug,
            app_name=name,
            last_seen_at=max(filter(None, [seen.get(row.id), row.created_at])),
            status=session_status(row, now),
        )
        for row, slug, name in rows
    ]
