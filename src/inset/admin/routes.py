"""Admin REST API (/api/v1/*), for tokens with scope ``admin``."""

from __future__ import annotations

from fastapi import APIRouter, Response

from inset.access import service as access
from inset.admin.schemas import CreatedTokenOut, GroupIn, GroupOut, TokenIn, TokenOut
from inset.audit.service import record
from inset.auth import service as auth
from inset.auth.models import AccessToken
from inset.deps import AdminToken, DbSession, Meta
from inset.embed import service as embed
from inset.embed.schemas import RevokeSessionsResponse

router = APIRouter(prefix="/api/v1", tags=["admin"])


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
    external_identifier: str, token: AdminToken, session: DbSession, meta: Meta
) -> RevokeSessionsResponse:
    """End every live session of one external user, in every server process."""
    count = await embed.revoke_user_sessions(
        session, external_identifier, actor_type="token", actor_id=token.id, meta=meta
    )
    return RevokeSessionsResponse(revoked=count)


@router.delete("/sessions/{session_id}", status_code=204)
async def delete_session(
    session_id: str, token: AdminToken, session: DbSession, meta: Meta
) -> Response:
    """End one session."""
    await embed.end_session(
        session, session_id, reason="revoked", actor_type="token", actor_id=token.id, meta=meta
    )
    return Response(status_code=204)


@router.get("/groups", response_model=list[GroupOut])
async def list_groups(token: AdminToken, session: DbSession) -> list[GroupOut]:
    return [
        GroupOut(id=g.id, name=g.name, created_at=g.created_at)
        for g in await access.list_groups(session)
    ]


@router.post("/groups", response_model=GroupOut, status_code=201)
async def create_group(
    body: GroupIn, token: AdminToken, session: DbSession, meta: Meta
) -> GroupOut:
    group = await access.create_group(session, body.name)
    await record(
        session,
        "admin.group.created",
        actor_type="token",
        actor_id=token.id,
        request_id=meta.request_id,
        ip=meta.ip,
        user_agent=meta.user_agent,
        data={"after": {"id": group.id, "name": group.name}},
    )
    return GroupOut(id=group.id, name=group.name, created_at=group.created_at)


@router.get("/tokens", response_model=list[TokenOut])
async def list_tokens(token: AdminToken, session: DbSession) -> list[TokenOut]:
    return [_token_out(t) for t in await auth.list_tokens(session)]


@router.post("/tokens", response_model=CreatedTokenOut, status_code=201)
async def create_token(
    body: TokenIn, token: AdminToken, session: DbSession, meta: Meta
) -> CreatedTokenOut:
    created = await auth.create_token(session, body.name, body.scopes, body.expires_days)
    await record(
        session,
        "token.created",
        actor_type="token",
        actor_id=token.id,
        request_id=meta.request_id,
        ip=meta.ip,
        user_agent=meta.user_agent,
        data={"tokenId": created.token.id, "name": body.name, "scopes": body.scopes},
    )
    return CreatedTokenOut(**_token_out(created.token).model_dump(), token=created.secret)


@router.delete("/tokens/{token_id}", response_model=TokenOut)
async def revoke_token(
    token_id: int, token: AdminToken, session: DbSession, meta: Meta
) -> TokenOut:
    revoked = await auth.revoke_token(session, token_id)
    await record(
        session,
        "token.revoked",
        actor_type="token",
        actor_id=token.id,
        request_id=meta.request_id,
        ip=meta.ip,
        user_agent=meta.user_agent,
        data={"tokenId": token_id},
    )
    return _token_out(revoked)
