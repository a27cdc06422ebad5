"""/api/v1/resources: the admin web UI's resource list, form, test and delete (scope admin).

Secrets never leave the server: passwords and header values come back as ``{"set": true}``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from inset.deps import AdminCaller, DbSession, Meta
from inset.resources import service
from inset.resources.schemas import ResourceForm

router = APIRouter(prefix="/api/v1", tags=["resources"])

Environment = Annotated[str, Query(max_length=64)]


@router.get("/resources")
async def list_resources(caller: AdminCaller, session: DbSession) -> list[dict[str, Any]]:
    """Every resource config per environment, secrets masked."""
    return await service.list_form_views(session)


@router.post("/resources", status_code=201)
async def create_resource(
    body: ResourceForm, caller: AdminCaller, session: DbSession, meta: Meta
) -> dict[str, Any]:
    """Add a resource from the type-specific form; audited ``admin.resource.created``."""
    return await service.save_form(
        session, body, caller.actor_type, caller.actor_id, meta.request_id
    )


@router.put("/resources/{name}")
async def update_resource(
    name: str,
    body: ResourceForm,
    caller: AdminCaller,
    session: DbSession,
    meta: Meta,
    environment: Environment = "production",
) -> dict[str, Any]:
    """Change a resource; empty secret fields keep the stored secrets."""
    return await service.save_form(
        session,
        body,
        caller.actor_type,
        caller.actor_id,
        meta.request_id,
        existing=(name, environment),
    )


@router.delete("/resources/{name}", status_code=204)
async def delete_resource(
    name: str,
    caller: AdminCaller,
    session: DbSession,
    meta: Meta,
    environment: Environment = "production",
) -> Response:
    """Remove one environment's config; audited ``admin.resource.deleted``."""
    await service.delete_audited(
        session, name, environment, caller.actor_type, caller.actor_id, meta.request_id
    )
    return Response(status_code=204)


@router.post("/resources/{name}/test")
async def test_resource(
    name: str, caller: AdminCaller, session: DbSession, environment: Environment = "production"
) -> dict[str, Any]:
    """Connect and run a trivial query: ``{ok, durationMs}`` or ``{ok: false, message}``
    (our words: no DSN, no password)."""
    return await service.test_for_admin(session, name, environment)
