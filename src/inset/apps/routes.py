"""/api/v1 deployments and releases, for tokens with scope ``apps:deploy`` (or ``admin``).

Available on internal and external instances alike: deploying is how an external instance
gets its apps."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from inset.apps import service
from inset.apps.schemas import DeploymentIn, DeploymentOut, PromoteOut, ReleaseOut
from inset.apps.sources import archive_kind, redact_url
from inset.auth import service as auth
from inset.auth.models import AccessToken
from inset.deps import DbSession, Meta, get_settings_dep
from inset.errors import Forbidden, InsetError, Unauthorized

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


async def deploy_token(request: Request, session: DbSession) -> AccessToken:
    """The request's access token, holding ``apps:deploy`` or ``admin``."""
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthorized(
            "Send an access token: Authorization: Bearer ins_…", code="missing_token"
        )
    try:
        return await auth.authenticate_token(session, secret.strip(), DEPLOY_SCOPES[0])
    except Forbidden:
        try:
            return await auth.authenticate_token(session, secret.strip(), DEPLOY_SCOPES[1])
        except Forbidden:
            raise Forbidden(
                "This access token lacks the scope 'apps:deploy' (or 'admin').",
                code="insufficient_scope",
            ) from None


DeployToken = Annotated[AccessToken, Depends(deploy_token)]


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


@router.post("/deployments", response_model=DeploymentOut)
async def create_deployment(
    request: Request,
    token: DeployToken,
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
            actor_type="token",
            actor_id=token.id,
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
            actor_id=token.id,
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
async def list_releases(app: str, token: DeployToken, session: DbSession) -> list[ReleaseOut]:
    """An app's releases (uuid or slug), newest first."""
    found = await service.resolve_app(session, app, field="app")
    releases = await service.list_releases(session, found.uuid)
    return [ReleaseOut.of(r, found.latest_release_id) for r in releases]


@router.post("/apps/{app}/releases/{version}/promote", response_model=PromoteOut)
async def promote_release(
    app: str, version: str, token: DeployToken, session: DbSession, meta: Meta
) -> PromoteOut:
    """Make ``version`` the app's latest release (rollback); open sessions keep theirs."""
    result = await service.promote_release(
        session, app, version, actor_type="token", actor_id=token.id, request_id=meta.request_id
    )
    return PromoteOut(
        app=result.app.slug,
        version=result.release.version,
        previous_version=result.previous.version if result.previous else None,
        changed=result.changed,
    )
