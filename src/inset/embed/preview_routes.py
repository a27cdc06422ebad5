"""Admin previews and the embed playground (/api/v1, scope ``admin``; internal instances only)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from inset.deps import AdminCaller, DbSession, Meta, get_settings_dep
from inset.embed import preview
from inset.embed.preview import PreviewRequest
from inset.embed.schemas import EmbedUrlRequest
from inset.roles import internal_only

router = APIRouter(
    prefix="/api/v1",
    tags=["admin"],
    dependencies=[Depends(internal_only("Previews and the embed playground"))],
)


class PreviewOut(BaseModel):
    embedUrl: str
    parentOrigin: str
    app: str
    releaseVersion: str


class PlaygroundOut(BaseModel):
    request: dict[str, object]
    snippets: dict[str, str]
    preview: PreviewOut


def _out(found: preview.Preview) -> PreviewOut:
    return PreviewOut(
        embedUrl=found.embed_url,
        parentOrigin=found.parent_origin,
        app=found.app_slug,
        releaseVersion=found.release,
    )


@router.post("/apps/{app}/preview", response_model=PreviewOut)
async def preview_app(
    app: str,
    body: PreviewRequest,
    request: Request,
    caller: AdminCaller,
    session: DbSession,
    meta: Meta,
) -> PreviewOut:
    """An embed URL for one external user exactly as the embed API would mint it (same
    access rules and row filters), framed by this instance's own origin."""
    wanted = body.model_copy(update={"landingPageUuid": app, "parentOrigin": None})
    public_url = get_settings_dep(request).public_url
    return _out(await preview.mint_preview(session, caller, wanted, meta, public_url))


@router.post("/embed-playground", response_model=PlaygroundOut)
async def embed_playground(
    body: EmbedUrlRequest,
    request: Request,
    caller: AdminCaller,
    session: DbSession,
    meta: Meta,
) -> PlaygroundOut:
    """The embed request as curl, Python and Node code (token as ``$INSET_TOKEN``), checked
    like the embed API would check it, and a live preview minted for the admin UI."""
    public_url = get_settings_dep(request).public_url
    minted = await preview.mint_preview(session, caller, body, meta, public_url)
    return PlaygroundOut(
        request=preview.request_json(body),
        snippets=preview.snippets(public_url, body),
        preview=_out(minted),
    )
