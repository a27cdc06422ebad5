"""The dev page (``GET /dev``) and its API. Mounted only by ``inset dev`` (see
:func:`mount_dev`): a normal ``inset serve`` has none of these routes, so they are 404."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from inset import __version__
from inset.access import service as access
from inset.app import RevalidatedStaticFiles
from inset.deps import DbSession, Meta
from inset.dev.service import DevService, PreviewIdentity
from inset.errors import Forbidden
from inset.roles import InternalOnly

STATIC_DIR = Path(__file__).parent / "static"


def _local_only(request: Request) -> None:
    """Only requests addressed to the dev server's own origins: a page on another site
    that re-points its DNS name to 127.0.0.1 (DNS rebinding) sends its own Host."""
    service: DevService = request.app.state.dev
    host = request.headers.get("host", "")
    if not any(origin.split("://", 1)[1] == host for origin in service.origins):
        raise Forbidden("The dev page answers only on 127.0.0.1 and localhost.", code="bad_host")


router = APIRouter(
    prefix="/dev",
    dependencies=[InternalOnly, Depends(_local_only)],
    include_in_schema=False,
)

PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>inset dev</title>
<link rel="stylesheet" href="/dev/static/dev.css?v={__version__}">
<script type="module" src="/dev/static/dev.js?v={__version__}"></script>
</head>
<body><div id="dev"><p class="dev-loading">Loading…</p></div></body>
</html>
"""


def _dev(request: Request) -> DevService:
    service: DevService = request.app.state.dev
    return service


class PreviewBody(BaseModel):
    """POST /dev/api/preview: who to preview the draft as."""

    model_config = ConfigDict(extra="forbid")

    app: str = Field(min_length=1, max_length=200)
    externalIdentifier: str = Field(min_length=1, max_length=255)
    groups: list[str] = Field(min_length=1, max_length=100)
    email: str | None = Field(default=None, max_length=320)
    firstName: str | None = Field(default=None, max_length=200)
    lastName: str | None = Field(default=None, max_length=200)
    metadata: dict[str, Any] = Field(default_factory=dict)
    page: str | None = Field(default=None, max_length=200)


@router.get("", response_class=HTMLResponse)
async def dev_page() -> HTMLResponse:
    return HTMLResponse(PAGE, headers={"Cache-Control": "no-store"})


@router.get("/api/state")
async def dev_state(request: Request, session: DbSession) -> dict[str, Any]:
    service = _dev(request)
    groups = sorted(g.name for g in await access.list_groups(session))
    return {
        **service.state.to_dict(),
        "groups": groups,
        "root": str(service.root),
        "identity": service.identity,
    }


@router.post("/api/preview")
async def dev_preview(
    body: PreviewBody, request: Request, session: DbSession, meta: Meta
) -> dict[str, Any]:
    service = _dev(request)
    who = PreviewIdentity(
        app=body.app,
        external_identifier=body.externalIdentifier,
        groups=[g.strip() for g in body.groups if g.strip()],
        email=body.email or None,
        first_name=body.firstName or None,
        last_name=body.lastName or None,
        metadata=body.metadata,
        page=body.page or None,
    )
    origin = request.headers.get("origin", "")
    url, draft = await service.preview(session, who, origin, meta)
    return {"url": url, "version": draft.version, "releaseId": draft.release_id}


@router.post("/api/reload")
async def dev_reload(request: Request) -> dict[str, Any]:
    """Check the files again now (after creating a missing group or resource, say)."""
    service = _dev(request)
    service.check_origin(request.headers.get("origin", ""))
    return (await service.reload()).to_dict()


def mount_dev(app: FastAPI, service: DevService) -> None:
    """Add the dev page, its API and its static files to ``app``."""
    app.state.dev = service
    app.include_router(router)
    app.mount("/dev/static", RevalidatedStaticFiles(directory=STATIC_DIR), name="dev-static")
