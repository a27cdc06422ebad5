"""/api/runtime/*: called by the browser runtime with an embed session."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from inset.deps import DbSession, EmbedSessionDep, Meta, get_settings_dep
from inset.embed import service as embed
from inset.errors import InsetError
from inset.queries import service as queries
from inset.queries.files import request_limit
from inset.runtime import service
from inset.runtime.schemas import RunQueryRequest, RuntimeEvent

router = APIRouter(prefix="/api/runtime", tags=["runtime"])

QUERY_RUN_PATH = re.compile(r"^/api/runtime/queries/[^/]+/run$")
"""The one route that sizes its own body limit (app.py's middleware leaves it alone)."""


def _too_large(limit: int) -> InsetError:
    return InsetError(
        f"The request is larger than {limit} bytes, the most this query accepts.",
        code="payload_too_large",
        status_code=413,
    )


async def _query_body(request: Request, bundle: dict[str, Any], name: str) -> RunQueryRequest:
    """The body of a query run, at most INSET_MAX_REQUEST_BYTES plus the base64 size of the
    query's file params (413 early on Content-Length, and while reading without it)."""
    queries_ = bundle.get("queries") if isinstance(bundle, dict) else None
    query = queries_.get(name) if isinstance(queries_, dict) else None
    declared = query.get("params") if isinstance(query, dict) else None
    limit = request_limit(declared, get_settings_dep(request).max_request_bytes)
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > limit):
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    try:
        return RunQueryRequest.model_validate_json(b"".join(chunks))
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from None


@router.get("/app")
async def get_app(ctx: EmbedSessionDep, session: DbSession) -> dict[str, Any]:
    """The session's app release as the browser may see it."""
    return await service.app_for_session(session, ctx)


@router.post(
    "/queries/{name}/run",
    openapi_extra={  # the body is read by _query_body (its limit depends on the query)
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": RunQueryRequest.model_json_schema()}},
        }
    },
)
async def run_query(
    name: str, request: Request, ctx: EmbedSessionDep, session: DbSession, meta: Meta
) -> dict[str, Any]:
    """Run one of the release's queries with declared params only (body: RunQueryRequest)."""
    bundle = await embed.release_bundle(session, ctx.release_id)
    body = await _query_body(request, bundle, name)
    return await queries.run_query(
        session, ctx, bundle, name, body.params, request_id=meta.request_id, paging=body.paging
    )


@router.post("/events", status_code=204)
async def post_event(
    body: RuntimeEvent, ctx: EmbedSessionDep, session: DbSession, meta: Meta
) -> Response:
    details = {"query": body.query, "rowCount": body.row_count, "format": body.format}
    await service.record_runtime_event(session, ctx, body.type, body.page, meta, details)
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
