"""GET /api/v1/audit-events (paged) and /api/v1/audit-events/export (streamed), for tokens
with scope ``audit:read`` or ``admin`` and signed-in admin users."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from inset.audit import service as audit
from inset.audit import usage
from inset.audit.schemas import AuditEventOut, AuditEventPage
from inset.audit.storage import EventFilter
from inset.deps import Caller, DbSession, get_database, require_caller
from inset.errors import ValidationFailed
from inset.openapi import streamed

router = APIRouter(prefix="/api/v1", tags=["audit"])


audit_reader = require_caller("audit:read", "admin")
"""A token with scope ``audit:read`` or ``admin``, or a signed-in admin user; refusals and
token use are audited."""

AuditReader = Annotated[Caller, Depends(audit_reader)]


async def event_filter(
    session: DbSession,
    user: Annotated[str | None, Query(max_length=255)] = None,
    app: Annotated[str | None, Query(max_length=200)] = None,
    type: Annotated[str | None, Query(max_length=64)] = None,
    outcome: Annotated[str | None, Query(max_length=16)] = None,
    since: Annotated[str | None, Query(max_length=64)] = None,
    until: Annotated[str | None, Query(max_length=64)] = None,
) -> EventFilter:
    return await audit.build_filter(
        session, user=user, app=app, type=type, outcome=outcome, since=since, until=until
    )


Filter = Annotated[EventFilter, Depends(event_filter)]


@router.get("/audit-events", response_model=AuditEventPage)
async def list_events(
    token: AuditReader,
    session: DbSession,
    f: Filter,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query()] = 100,
) -> AuditEventPage:
    """Events newest first; pass ``nextCursor`` back as ``cursor`` for the next page."""
    page = await audit.list_events(session, f, cursor=cursor, limit=limit)
    return AuditEventPage(
        events=[AuditEventOut(**e) for e in page.events], nextCursor=page.next_cursor
    )


@router.get("/audit-events/export", responses=streamed("application/x-ndjson", "text/csv"))
async def export_events(
    request: Request,
    token: AuditReader,
    f: Filter,
    format: Annotated[str, Query(max_length=8)] = "jsonl",
) -> StreamingResponse:
    """All matching events, oldest first, streamed as JSON lines or CSV."""
    if format not in audit.FORMATS:
        raise ValidationFailed("format must be jsonl or csv", field="format")
    database = get_database(request)

    async def body() -> AsyncIterator[str]:
        # Its own read transaction: the request's is committed before streaming starts.
        async with database.sessionmaker() as session:
            async for chunk in audit.export_lines(session, f, format):
                yield chunk

    media = "application/x-ndjson" if format == "jsonl" else "text/csv"
    return StreamingResponse(
        body(),
        media_type=f"{media}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="audit-events.{format}"'},
    )


@router.get("/usage")
async def get_usage(
    token: AuditReader,
    session: DbSession,
    app: Annotated[str | None, Query(max_length=200)] = None,
    start: Annotated[str | None, Query(alias="from", max_length=64)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=64)] = None,
) -> dict[str, Any]:
    """Per app, user and day: sessions, page views, query runs, errors, p95 query ms."""
    return await usage.usage(session, app=app, start=start, end=end)
