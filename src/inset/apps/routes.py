"""/api/v1 deployments and releases, for tokens with scope ``apps:deploy`` (or ``admin``).

Available on internal and external instances alike: deploying is how an external instance
gets its apps."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from inset.apps import service
from inset.apps.schemas import (
    AppSummaryOut,
    DeploymentIn,
    DeploymentOut,
    PromoteOut,
    ReleaseDiffOut,
    ReleaseOut,
)
from inset.apps.sources import archive_kind, redact_url
from inset.deps import AdminCaller, Caller, DbSession, Meta, get_settings_dep, require_caller
from inset.errors import InsetError
from inset.openapi import UNSUPPORTED_MEDIA

router = APIRouter(prefix="/api/v1", tags=["deployments"])

DEPLOY_SCOPES = ("apps:deploy", "admin")
ARCHIVE_TYPES = (
    "application/gzip",
    "application/x-gzip",
    "application/x-tar+gzip",
    "application/x-gtar",
    "application/zip",
    "application/x-zip-compressed",
    "application/octet-stream",
)


deploy_caller = require_caller(*DEPLOY_SCOPES)
"""A token holding ``apps:deploy`` or ``admin``, or a signed-in admin user."""

DeployCaller = Annotated[Caller, Depends(deploy_caller)]


async def _read_body(request: Request, limit: int) -> bytes:
    """The request body, refused (413) beyond ``limit`` bytes even without Content-Length."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise InsetError(
                f"The upload is larger than {limit} bytes (INSET_MAX_REQUEST_BYTES).",
                code="payload_too_large",
                status_code=413,
            )
        chunks.append(chunk)
    return b"".join(chunks)


@router.post("/deployments", response_model=DeploymentOut, responses=UNSUPPORTED_MEDIA)
async def create_deployment(
    request: Request,
    caller: DeployCaller,
    session: DbSession,
    meta: Meta,
    path: str | None = None,
    promote: bool = True,
) -> DeploymentOut:
    """Deploy from a Git repository (JSON ``{"gitUrl", "ref", "path"}``) or from an uploaded
    .tar.gz / .zip (the request body, Content-Type application/gzip or application/zip;
    ``?path=`` picks the folder of apps inside it). ``promote`` false (``?promote=false``
    for archives) stores new releases without moving ``latest``. Nothing is stored when
    anything fails."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    limit = get_settings_dep(request).max_request_bytes
    body = await _read_body(request, limit)
    if content_type == "application/json":
        try:
            wanted = DeploymentIn.model_validate_json(body)
        except ValidationError as exc:
            raise RequestValidationError(
                [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
            ) from None
        checkout, report = await service.deploy_git(
            session,
            wanted.gitUrl,
            wanted.ref,
            path=wanted.path,
            actor_type=caller.actor_type,
            actor_id=caller.actor_id,
            request_id=meta.request_id,
            promote=wanted.promote,
        )
        return DeploymentOut.of(
            report, redact_url(wanted.gitUrl), checkout.git_commit, checkout.git_message
        )
    if content_type in ARCHIVE_TYPES or (not content_type and archive_kind(body)):
        report = await service.deploy_archive(
            session,
            body,
            path=path,
            actor_type=caller.actor_type,
            actor_id=caller.actor_id,
            request_id=meta.request_id,
            promote=promote,
        )
        return DeploymentOut.of(report, "archive")
    raise InsetError(
        'Send JSON {"gitUrl", "ref"} (application/json) or a .tar.gz / .zip archive '
        "(application/gzip or application/zip).",
        code="unsupported_media_type",
        status_code=415,
    )


@router.get("/apps/{app}/releases", response_model=list[ReleaseOut])
async def list_releases(app: str, caller: DeployCaller, session: DbSession) -> list[ReleaseOut]:
    """An app's releases (uuid or slug), newest first."""
    found = await service.resolve_app(session, app, field="app")
    releases = await service.list_releases(session, found.uuid)
    return [ReleaseOut.of(r, found.latest_release_id) for r in releases]


@router.post("/apps/{app}/releases/{version}/promote", response_model=PromoteOut)
async def promote_release(
    app: str, version: str, caller: DeployCaller, session: DbSession, meta: Meta
) -> PromoteOut:
    """Make ``version`` the app's latest release (rollback); open sessions keep theirs."""
    result = await service.promote_release(
        session,
        app,
        version,
        actor_type=caller.actor_type,
        actor_id=caller.actor_id,
        request_id=meta.request_id,
    )
    return PromoteOut(
        app=result.app.slug,
        version=result.release.version,
        previous_version=result.previous.version if result.previous else None,
        changed=result.changed,
    )


@router.get("/apps", response_model=list[AppSummaryOut])
async def list_apps(caller: AdminCaller, session: DbSession) -> list[AppSummaryOut]:
    """Every app with its live release, release count and allowed parent origins."""
    return [AppSummaryOut.of(s) for s in await service.list_app_summaries(session)]


@router.get("/apps/{app}/releases/{old}/diff/{new}", response_model=ReleaseDiffOut)
async def diff_releases(
    app: str, old: str, new: str, caller: AdminCaller, session: DbSession
) -> ReleaseDiffOut:
    """A unified diff from release ``old`` to ``new`` (``latest`` allowed), as
    ``inset releases diff`` prints it; empty when they are the same."""
    before, after, diff = await service.diff_releases(session, app, [old, new])
    return ReleaseDiffOut(app=app, from_version=before.version, to_version=after.version, diff=diff)
