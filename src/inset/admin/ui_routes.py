"""The admin web UI: the HTML shell at /admin (and its deep links), and /admin/api/* for
sign-in, sign-out, the current user and the first-run setup. Static files are served at
/admin/static (mounted in inset.app). Internal instances only."""

from __future__ import annotations

from ipaddress import ip_address
from pathlib import Path

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from inset.app import content_security_policy
from inset.auth import sessions as admin_sessions
from inset.auth.origins import own_origin_only
from inset.deps import (
    DbSession,
    _audit_denial,
    admin_cookie,
    admin_session_caller,
    client_ip,
    get_settings_dep,
    request_meta,
)
from inset.errors import InsetError, NotFound
from inset.roles import internal_only

STATIC_DIR = Path(__file__).parent / "static"
SHELL = (STATIC_DIR / "index.html").read_text()

router = APIRouter(
    prefix="/admin",
    tags=["admin web UI"],
    dependencies=[Depends(internal_only("The admin web UI"))],
)


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=1000)


class SetupIn(LoginIn):
    setupToken: str | None = Field(default=None, max_length=200)


class UserOut(BaseModel):
    id: int
    email: str


class MeOut(BaseModel):
    user: UserOut
    csrfToken: str


class SetupStatusOut(BaseModel):
    setupRequired: bool
    loopback: bool


def _meta(request: Request) -> admin_sessions.Meta:
    meta = request_meta(request)
    return admin_sessions.Meta(ip=meta.ip, user_agent=meta.user_agent, request_id=meta.request_id)


def _signed_in(request: Request, signed_in: admin_sessions.SignedIn) -> Response:
    settings = get_settings_dep(request)
    body = MeOut(
        user=UserOut(id=signed_in.user.id, email=signed_in.user.email),
        csrfToken=signed_in.csrf_token,
    )
    response = Response(body.model_dump_json(), media_type="application/json")
    response.set_cookie(
        admin_sessions.COOKIE_NAME,
        signed_in.secret,
        max_age=settings.admin_session_max_hours * 3600,
        path="/",
        httponly=True,
        samesite="strict",
        secure=settings.public_url.startswith("https://"),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def is_loopback(request: Request) -> bool:
    """The request comes from this machine: a loopback peer, and no X-Forwarded-For unless
    from a trusted proxy that forwards a loopback client."""
    peer = request.client.host if request.client else ""
    try:
        peer_ip = ip_address(peer)
        if not peer_ip.is_loopback:
            return False
        if request.headers.get("x-forwarded-for") is None:
            return True
        trusted = get_settings_dep(request).trusted_proxy_networks
        if not any(peer_ip in net for net in trusted):
            return False  # a proxy we do not know relays someone else
        return ip_address(client_ip(request) or "").is_loopback
    except ValueError:
        return False


async def _own_origin_only(request: Request, session: AsyncSession, what: str) -> None:
    """Sign-in and setup only when addressed to this instance and sent from its own pages
    (see :func:`inset.auth.origins.own_origin_only`): not through a DNS-rebinding name, not
    from a cross-site form. Refusals are audited (``auth.denied``, reason ``bad_host`` or
    ``bad_origin``)."""
    try:
        own_origin_only(request, get_settings_dep(request).public_url, what)
    except InsetError as exc:
        await _audit_denial(request, session, exc, "admin_session")
        raise


@router.post("/api/login", response_model=MeOut)
async def login(body: LoginIn, request: Request, session: DbSession) -> Response:
    """Sign in: sets the ``inset_admin`` cookie and answers the CSRF token. Only addressed
    to this instance's own host and, with an Origin, from its own pages (403 ``bad_host``,
    ``bad_origin``)."""
    await _own_origin_only(request, session, "Sign-in")
    signed_in = await admin_sessions.login(session, body.email, body.password, _meta(request))
    return _signed_in(request, signed_in)


@router.post("/api/logout", status_code=204)
async def logout(request: Request, session: DbSession) -> Response:
    """Sign out: the session is revoked server-side and the cookie cleared."""
    secret = admin_cookie(request)
    if secret is not None:
        await admin_session_caller(request, session, secret)  # a live session, and CSRF
        await admin_sessions.logout(session, secret, _meta(request))
    response = Response(status_code=204)
    response.delete_cookie(admin_sessions.COOKIE_NAME, path="/")
    return response


@router.get("/api/me", response_model=MeOut)
async def me(request: Request, session: DbSession) -> Response:
    """The signed-in admin user and the session's CSRF token; 401 when not signed in."""
    secret = admin_cookie(request)
    _row, user = await admin_sessions.authenticate(session, secret)
    assert secret is not None
    body = MeOut(
        user=UserOut(id=user.id, email=user.email), csrfToken=admin_sessions.csrf_token(secret)
    )
    return Response(
        body.model_dump_json(), media_type="application/json", headers={"Cache-Control": "no-store"}
    )


@router.get("/api/setup", response_model=SetupStatusOut)
async def setup_status(request: Request, session: DbSession) -> SetupStatusOut:
    """Whether the first administrator must still be created (and whether this request
    could do it without a setup token)."""
    return SetupStatusOut(
        setupRequired=not await admin_sessions.admin_exists(session),
        loopback=is_loopback(request),
    )


@router.post("/api/setup", response_model=MeOut)
async def setup(body: SetupIn, request: Request, session: DbSession) -> Response:
    """Create the first administrator (loopback only, or with a setup token) and sign in.
    Like sign-in, only addressed to this instance's own host and from its own pages."""
    await _own_origin_only(request, session, "First-run setup")
    signed_in = await admin_sessions.setup(
        session,
        body.email,
        body.password,
        _meta(request),
        loopback=is_loopback(request),
        setup_token=body.setupToken,
    )
    return _signed_in(request, signed_in)


# Last: the catch-all deep-link route must not shadow /admin/api/*.
@router.get("", response_class=HTMLResponse, include_in_schema=False)
@router.get("/{page:path}", response_class=HTMLResponse, include_in_schema=False)
async def shell(request: Request) -> HTMLResponse:
    """The single-page app's HTML; the client-side router shows the page for the path."""
    if request.url.path.startswith(("/admin/api/", "/admin/static/")):
        raise NotFound(f"Nothing at {request.url.path}.")
    return HTMLResponse(
        SHELL,
        headers={
            "Cache-Control": "no-store",
            "Content-Security-Policy": content_security_policy(None),
            "X-Frame-Options": "DENY",
        },
    )
