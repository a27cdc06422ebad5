"""FastAPI dependencies: each route states in its signature who may call it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from ipaddress import ip_address
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from inset.audit import service as audit
from inset.auth import service as auth
from inset.auth.models import AccessToken
from inset.db import Database
from inset.embed import service as embed
from inset.embed.context import SessionContext
from inset.embed.service import COOKIE_PREFIX, RequestMeta
from inset.errors import Forbidden, InsetError, Unauthorized
from inset.settings import Settings


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_database(request: Request) -> Database:
    database: Database = request.app.state.db
    return database


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request, committed before the response is sent.

    An InsetError (a refused request) still commits: services raise it before changing
    anything but the audit log, and the audit events of refusals must be kept. Any other
    exception rolls everything back."""
    async with get_database(request).sessionmaker() as session:
        try:
            yield session
        except InsetError:
            await session.commit()
            raise
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()


# scope="function": commit before the response is sent, not after (FastAPI's default for
# yield dependencies), so a client that acts on the response finds the row committed.
DbSession = Annotated[AsyncSession, Depends(get_session, scope="function")]


def client_ip(request: Request) -> str | None:
    """The caller's IP; X-Forwarded-For is honoured only from INSET_TRUSTED_PROXIES."""
    peer = request.client.host if request.client else None
    settings = get_settings_dep(request)
    forwarded = request.headers.get("x-forwarded-for")
    if peer and forwarded and settings.trusted_proxy_networks:
        try:
            peer_ip = ip_address(peer)
        except ValueError:
            return peer
        if any(peer_ip in net for net in settings.trusted_proxy_networks):
            return forwarded.split(",")[0].strip()[:64]
    return peer


def request_meta(request: Request) -> RequestMeta:
    return RequestMeta(
        request_id=getattr(request.state, "request_id", None),
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
    )


Meta = Annotated[RequestMeta, Depends(request_meta)]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def require_token(scope: str) -> Callable[..., Awaitable[AccessToken]]:
    """A dependency: the request's access token, which must hold ``scope``."""

    async def check(request: Request, session: AsyncSession) -> AccessToken:
        secret = _bearer(request)
        if secret is None:
            raise Unauthorized(
                "Send an access token: Authorization: Bearer ins_…", code="missing_token"
            )
        return await auth.authenticate_token(session, secret, scope)

    async def dependency(request: Request, session: DbSession) -> AccessToken:
        # Audit: every refusal (auth.denied with its reason) and token.used (throttled).
        audit.bind_request_meta(request_meta(request))
        try:
            token = await check(request, session)
        except InsetError as exc:
            await _audit_denial(request, session, exc, "token")
            raise
        await audit.record_token_used(session, token, request_meta(request))
        return token

    return dependency


async def _audit_denial(
    request: Request, session: AsyncSession, exc: InsetError, credential: str
) -> None:
    meta = request_meta(request)
    await audit.record_denial(
        session, exc, meta, method=request.method, path=request.url.path, credential=credential
    )


EmbedToken = Annotated[AccessToken, Depends(require_token("embed"))]
AdminToken = Annotated[AccessToken, Depends(require_token("admin"))]


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is None:
        return True
    public = urlsplit(get_settings_dep(request).public_url)
    return origin.rstrip("/") == f"{public.scheme}://{public.netloc}"


async def current_embed_session(request: Request, session: DbSession) -> SessionContext:
    """The embed session calling /api/runtime/*: a bearer secret (cookieless) or the cookie
    named by X-Inset-Session (cookie mode). Refusals are audited (auth.denied)."""
    audit.bind_request_meta(request_meta(request))
    try:
        return await _embed_session(request, session)
    except InsetError as exc:
        await _audit_denial(request, session, exc, "session")
        raise


async def _embed_session(request: Request, session: AsyncSession) -> SessionContext:
    secret = _bearer(request)
    if secret is not None:
        return await embed.authenticate_session(session, secret=secret)
    session_id = request.headers.get("x-inset-session", "")
    if session_id:
        if not _same_origin(request):
            raise Forbidden("Cross-origin request refused.", code="cross_origin")
        cookie = request.cookies.get(COOKIE_PREFIX + session_id)
        return await embed.authenticate_session(
            session, secret=cookie, cookie_session_id=session_id
        )
    raise Unauthorized("No valid session.", code="invalid_session")


EmbedSessionDep = Annotated[SessionContext, Depends(current_embed_session)]
