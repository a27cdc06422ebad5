"""Admin REST API (/api/v1/*), for tokens with scope ``admin`` and signed-in admin users."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from sqlalchemy.ext.asyncio import AsyncSession

from inset.access import service as access
from inset.access.models import ExternalUser
from inset.admin.schemas import (
    CreatedTokenOut,
    EmbedSessionOut,
    ExternalUserOut,
    ExternalUserPage,
    GroupAccessOut,
    GroupDetailOut,
    GroupIn,
    GroupOut,
    TokenIn,
    TokenOut,
)
from inset.audit.service import record
from inset.auth import service as auth
from inset.auth.models import AccessToken
from inset.deps import AdminCaller, Caller, DbSession, Meta
from inset.embed import listing
from inset.embed import service as embed
from inset.embed.schemas import RevokeSessionsResponse
from inset.embed.service import RequestMeta
from inset.openapi import RowId

router = APIRouter(prefix="/api/v1", tags=["admin"])


async def _audit(
    session: AsyncSession, type: str, caller: Caller, meta: RequestMeta, data: dict[str, Any]
) -> None:
    """Record an admin action by ``caller`` (a token or a signed-in admin user)."""
    await record(
        session,
        type,
        actor_type=caller.actor_type,
        actor_id=caller.actor_id,
        request_id=meta.request_id,
        ip=meta.ip,
        user_agent=meta.user_agent,
        data=data,
    )


def _token_out(token: AccessToken) -> TokenOut:
    return TokenOut(
        id=token.id,
        name=token.name,
        hint=token.hint,
        scopes=token.scopes,
        status=auth.token_status(token),
        created_at=token.created_at,
        expires_at=token.expires_at,
        last_used_at=token.last_used_at,
    )


@router.post(
    "/external-users/{external_identifier}/revoke-sessions",
    response_model=RevokeSessionsResponse,
)
async def revoke_user_sessions(
    external_identifier: str, caller: AdminCaller, session: DbSession, meta: Meta
) -> RevokeSessionsResponse:
    """End every live session of one external user, in every server process."""
    count = await embed.revoke_user_sessions(
        session,
        external_identifier,
        actor_type=caller.actor_type,
        actor_id=caller.actor_id,
        meta=meta,
    )
    return RevokeSessionsResponse(revoked=count)


@router.delete("/sessions/{session_id}", status_code=204)
async def delete_session(
    session_id: str, caller: AdminCaller, session: DbSession, meta: Meta
) -> Response:
    """End one session."""
    await embed.end_session(
        session,
        session_id,
        reason="revoked",
        actor_type=caller.actor_type,
        actor_id=caller.actor_id,
        meta=meta,
    )
    return Response(status_code=204)


@router.get("/groups", response_model=list[GroupOut])
async def list_groups(caller: AdminCaller, session: DbSession) -> list[GroupOut]:
    return [
        GroupOut(id=g.id, name=g.name, created_at=g.created_at)
        for g in await access.list_groups(session)
    ]


@router.post("/groups", response_model=GroupOut, status_code=201)
async def create_group(
    body: GroupIn, caller: AdminCaller, session: DbSession, meta: Meta
) -> GroupOut:
    group = await access.create_group(session, body.name)
    await _audit(
        session,
        "admin.group.created",
        caller,
        meta,
        {"after": {"id": group.id, "name": group.name}},
    )
    return GroupOut(id=group.id, name=group.name, created_at=group.created_at)


@router.get("/tokens", response_model=list[TokenOut])
async def list_tokens(caller: AdminCaller, session: DbSession) -> list[TokenOut]:
    return [_token_out(t) for t in await auth.list_tokens(session)]


@router.post("/tokens", response_model=CreatedTokenOut, status_code=201)
async def create_token(
    body: TokenIn, caller: AdminCaller, session: DbSession, meta: Meta
) -> CreatedTokenOut:
    created = await auth.create_token(session, body.name, body.scopes, body.expires_days)
    await _audit(
        session,
        "token.created",
        caller,
        meta,
        {"tokenId": created.token.id, "name": body.name, "scopes": body.scopes},
    )
    return CreatedTokenOut(**_token_out(created.token).model_dump(), token=created.secret)


@router.delete("/tokens/{token_id}", response_model=TokenOut)
async def revoke_token(
    token_id: RowId, caller: AdminCaller, session: DbSession, meta: Meta
) -> TokenOut:
    revoked = await auth.revoke_token(session, token_id)
    await _audit(session, "token.revoked", caller, meta, {"tokenId": token_id})
    return _token_out(revoked)


@router.get("/groups/{group_id}", response_model=GroupDetailOut)
async def get_group(group_id: RowId, caller: AdminCaller, session: DbSession) -> GroupDetailOut:
    """A group, its access level on each app (read-only: set in each app's app.yaml) and
    the external users who last came with it."""
    group = await access.get_group(session, group_id)
    return GroupDetailOut(
        id=group.id,
        name=group.name,
        created_at=group.created_at,
        access=[GroupAccessOut(**a) for a in await access.group_app_access(session, group)],
        recentUsers=[_user_out(u) for u in await access.group_recent_users(session, group)],
    )


@router.patch("/groups/{group_id}", response_model=GroupOut)
async def rename_group(
    group_id: RowId, body: GroupIn, caller: AdminCaller, session: DbSession, meta: Meta
) -> GroupOut:
    """Rename a group (409 naming ``name`` when taken). app.yaml access rules name groups:
    rename them there too."""
    group, before = await access.rename_group(session, group_id, body.name)
    await _audit(
        session,
        "admin.group.renamed",
        caller,
        meta,
        {
            "before": {"id": group.id, "name": before},
            "after": {"id": group.id, "name": group.name},
        },
    )
    return GroupOut(id=group.id, name=group.name, created_at=group.created_at)


def _user_out(user: ExternalUser) -> ExternalUserOut:
    return ExternalUserOut(
        id=user.id,
        externalIdentifier=user.external_identifier,
        email=user.email,
        firstName=user.first_name,
        lastName=user.last_name,
        groupIds=list(user.last_group_ids or []),
        createdAt=user.created_at,
        lastSeenAt=user.last_seen_at,
    )


@router.get("/external-users", response_model=ExternalUserPage)
async def list_external_users(
    caller: AdminCaller,
    session: DbSession,
    search: Annotated[str | None, Query(max_length=200)] = None,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
) -> ExternalUserPage:
    """External users matching ``search`` (identifier, email or name), newest first; pass
    ``nextCursor`` back as ``cursor`` for the next page."""
    page = await listing.search_external_users(session, search, cursor)
    return ExternalUserPage(users=[_user_out(u) for u in page.users], nextCursor=page.next_cursor)


@router.get("/external-users/{external_identifier}/sessions", response_model=list[EmbedSessionOut])
async def list_user_sessions(
    external_identifier: str, caller: AdminCaller, session: DbSession
) -> list[EmbedSessionOut]:
    """One external user's embed sessions, newest first: live, ended or revoked."""
    user = await listing.get_external_user(session, external_identifier)
    return [
        EmbedSessionOut(
            id=r.session.id,
            app=r.app_slug,
            appName=r.app_name,
            startedAt=r.session.created_at,
            lastSeenAt=r.last_seen_at,
            expiresAt=r.session.expires_at,
            parentOrigin=r.session.parent_origin,
            mode=r.session.session_mode,
            status=r.status,
            endedAt=r.session.revoked_at,
        )
        for r in await listing.user_sessions(session, user)
    ]
