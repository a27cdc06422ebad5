"""What the browser runtime may know about an app: pages and query shapes, never SQL,
resources or group rules."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from inset.audit.service import record
from inset.embed.context import SessionContext
from inset.embed.service import RequestMeta, release_bundle
from inset.errors import ValidationFailed

CLIENT_QUERY_KEYS = ("kind", "trigger", "selector", "pagination")
CLIENT_PARAM_KEYS = ("type", "value", "items", "nullable")
RUNTIME_EVENTS = ("page.viewed", "data.downloaded")


def client_bundle(bundle: dict[str, Any]) -> dict[str, Any]:
    """The browser's view of a bundle: a whitelist, so new server-only keys stay private."""
    queries: dict[str, Any] = {}
    for name, query in bundle.get("queries", {}).items():
        view = {k: query[k] for k in CLIENT_QUERY_KEYS if k in query}
        view["params"] = {
            pname: {k: spec[k] for k in CLIENT_PARAM_KEYS if k in spec}
            for pname, spec in query.get("params", {}).items()
        }
        queries[name] = view
    return {"pages": bundle.get("pages", []), "queries": queries, "theme": bundle.get("theme", {})}


async def app_for_session(session: AsyncSession, ctx: SessionContext) -> dict[str, Any]:
    """GET /api/runtime/app: the app, the user (without metadata) and the session."""
    bundle = await release_bundle(session, ctx.release_id)
    view = client_bundle(bundle)
    pages = view["pages"]
    return {
        "app": {k: bundle.get(k) for k in ("uuid", "slug", "name", "version")},
        "user": {
            "externalIdentifier": ctx.external_identifier,
            "email": ctx.email,
            "firstName": ctx.first_name,
            "lastName": ctx.last_name,
            "groups": ctx.group_names,
        },
        "session": {
            "id": ctx.session_id,
            "expiresAt": ctx.expires_at.isoformat(),
            "parentOrigin": ctx.parent_origin,
            "mode": ctx.mode,
        },
        "initialPage": pages[0]["name"] if pages else None,
        **view,
    }


async def record_runtime_event(
    session: AsyncSession,
    ctx: SessionContext,
    event_type: str,
    page: str | None,
    meta: RequestMeta,
    details: dict[str, Any] | None = None,
) -> None:
    """Audit an event the runtime reports: page views, downloads (``details``: query,
    rowCount, format; unset keys are left out)."""
    if event_type not in RUNTIME_EVENTS:
        raise ValidationFailed(f"type must be one of: {', '.join(RUNTIME_EVENTS)}", field="type")
    bundle = await release_bundle(session, ctx.release_id)
    if page is not None and page not in {p["name"] for p in bundle.get("pages", [])}:
        raise ValidationFailed(f"page: the app has no page '{page}'", field="page")
    extra = {k: v for k, v in (details or {}).items() if v is not None}
    if "query" in extra and extra["query"] not in bundle.get("queries", {}):
        raise ValidationFailed(f"query: the app has no query '{extra['query']}'", field="query")
    await record(
        session,
        event_type,
        actor_type="external_user",
        actor_id=ctx.external_user_id,
        external_identifier=ctx.external_identifier,
        app_id=ctx.app_id,
        session_id=ctx.session_id,
        request_id=meta.request_id,
        ip=meta.ip,
        user_agent=meta.user_agent,
        data={"page": page, **extra},
    )
