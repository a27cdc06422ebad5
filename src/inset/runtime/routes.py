"""/api/runtime/*: called by the browser runtime with an embed session."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from inset.deps import DbSession, EmbedSessionDep, Meta
from inset.embed import service as embed
from inset.queries import service as queries
from inset.runtime import service
from inset.runtime.schemas import RunQueryRequest, RuntimeEvent

router = APIRouter(prefix="/api/runtime", tags=["runtime"])


@router.get("/app")
async def get_app(ctx: EmbedSessionDep, session: DbSession) -> dict[str, Any]:
    """The session's app release as the browser may see it."""
    return await service.app_for_session(session, ctx)


@router.post("/queries/{name}/run")
async def run_query(
    name: str, body: RunQueryRequest, ctx: EmbedSessionDep, session: DbSession, meta: Meta
) -> dict[str, Any]:
    """Run one of the release's queries with declared params only."""
    bundle = await embed.release_bundle(session, ctx.release_id)
    return await queries.run_query(
        session, ctx, bundle, name, body.params, request_id=meta.request_id
    )


@router.post("/events", status_code=204)
async def post_event(
    body: RuntimeEvent, ctx: EmbedSessionDep, session: DbSession, meta: Meta
) -> Response:
    await service.record_runtime_event(session, ctx, body.type, body.page, meta)
    return Response(status_code=204)


@router.post("/logout", status_code=204)
async def logout(ctx: EmbedSessionDep, session: DbSession, meta: Meta) -> Response:
    await embed.end_session(
        session,
        ctx.session_id,
        reason="logout",
        actor_type="external_user",
        actor_id=ctx.external_user_id,
        meta=meta,
    )
    return Response(status_code=204)
