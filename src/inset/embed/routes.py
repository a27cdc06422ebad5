"""Embed routes: mint a URL (host backend), redeem it (iframe), serve cookie-mode pages."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from inset import __version__
from inset.app import content_security_policy
from inset.deps import DbSession, EmbedToken, Meta
from inset.embed import service
from inset.embed.schemas import EmbedUrlRequest, EmbedUrlResponse
from inset.errors import Unauthorized
from inset.runtime.page import render_app_page, render_error_page

router = APIRouter()

NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@router.post(
    "/api/embed-url/external-user",
    response_model=EmbedUrlResponse,
    tags=["embed"],
    summary="Mint a single-use embed URL for one external user",
)
async def create_embed_url(
    body: EmbedUrlRequest, token: EmbedToken, session: DbSession, meta: Meta
) -> EmbedUrlResponse:
    minted = await service.mint_embed_url(session, token, body, meta)
    return EmbedUrlResponse(embedUrl=minted.embed_url)


def session_cookie(name: str, value: str, max_age: int) -> str:
    """A third-party-safe session cookie: HttpOnly, Secure, SameSite=None and Partitioned
    (CHIPS), written by hand because Python < 3.14 cannot emit Partitioned."""
    return (
        f"{name}={value}; Max-Age={max_age}; Path=/; Secure; HttpOnly; SameSite=None; Partitioned"
    )


def _page(html: str, status: int, frame_ancestors: list[str] | None) -> HTMLResponse:
    headers = dict(NO_STORE)
    headers["Content-Security-Policy"] = content_security_policy(frame_ancestors)
    return HTMLResponse(html, status_code=status, headers=headers)


def _boot(
    redeemed_session_id: str,
    mode: str,
    parent_origin: str | None,
    page: str | None,
    token: str | None,
) -> dict[str, object]:
    boot: dict[str, object] = {
        "mode": mode,
        "sessionId": redeemed_session_id,
        "apiBase": "/api/runtime",
        "parentOrigin": parent_origin,
        "page": page,
    }
    if token is not None:
        boot["sessionToken"] = token
    return boot


@router.get("/embed/r/{nonce}", include_in_schema=False)
async def redeem_embed_url(nonce: str, session: DbSession, meta: Meta) -> Response:
    outcome = await service.redeem(session, nonce, meta)
    if isinstance(outcome, service.RedeemFailure):
        # An error page holds nothing worth clickjacking; it must load in the host's iframe
        # to tell the host SDK (postMessage inset:error) to mint a fresh URL.
        ancestors = [outcome.parent_origin] if outcome.parent_origin else ["*"]
        html = render_error_page(
            outcome.code, outcome.message, outcome.parent_origin, asset_version=__version__
        )
        return _page(html, outcome.status, ancestors)
    embed_session = outcome.session
    ancestors = service.frame_ancestors(outcome.bundle, embed_session.parent_origin)
    if embed_session.session_mode == "cookie":
        response: Response = RedirectResponse(f"/embed/s/{embed_session.id}", status_code=303)
        response.headers.update(NO_STORE)
        max_age = int((embed_session.expires_at - embed_session.created_at).total_seconds())
        response.headers.append(
            "Set-Cookie",
            session_cookie(service.COOKIE_PREFIX + embed_session.id, outcome.secret, max_age),
        )
        return response
    boot = _boot(
        embed_session.id,
        "cookieless",
        embed_session.parent_origin,
        outcome.grant.page_name,
        outcome.secret,
    )
    return _page(render_app_page(boot, asset_version=__version__), 200, ancestors)


@router.get("/embed/s/{session_id}", include_in_schema=False)
async def cookie_session_page(session_id: str, request: Request, session: DbSession) -> Response:
    cookie = request.cookies.get(service.COOKIE_PREFIX + session_id)
    try:
        ctx = await service.authenticate_session(
            session, secret=cookie, cookie_session_id=session_id
        )
    except Unauthorized as exc:
        html = render_error_page(exc.code, exc.message, None, asset_version=__version__)
        return _page(html, 401, ["*"])
    bundle = await service.release_bundle(session, ctx.release_id)
    boot = _boot(ctx.session_id, "cookie", ctx.parent_origin, None, None)
    ancestors = service.frame_ancestors(bundle, ctx.parent_origin)
    return _page(render_app_page(boot, asset_version=__version__), 200, ancestors)
