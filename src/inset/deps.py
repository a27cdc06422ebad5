"""FastAPI dependencies: each route states in its signature who may call it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_address
from typing import Annotated, Literal
from urllib.parse import urlsplit

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from inset.audit import service as audit
from inset.auth import service as auth
from inset.auth import sessions as admin_sessions
from inset.auth.models import AccessToken
from inset.db import Database
from inset.embed import service as embed
from inset.embed.context import SessionContext
from inset.embed.service import COOKIE_PREFIX, RequestMeta
from inset.errors import Forbidden, InsetError, Unauthorized
from inset.queries import ratelimits
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
    """The caller's IP; X-Forwarded-For is honoured only from INSET_TRUSTED_PROXIES.

    The header is read from the right: each trusted proxy appends the address it got the
    request from, so the first address (from the right) that is not a trusted proxy is the
    client. Anything left of it was written by the client itself and could be anything
    (nginx's ``$proxy_add_x_forwarded_for`` keeps what the client sent)."""
    peer = request.client.host if request.client else None
    networks = get_settings_dep(request).trusted_proxy_networks
    forwarded = request.headers.get("x-forwarded-for")
    if not (peer and forwarded and networks and _is_trusted(peer, networks)):
        return peer
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, networks):
            return hop[:64]
    return hops[0][:64] if hops else peer


def _is_trusted(address: str, networks: Sequence[IPv4Network | IPv6Network]) -> bool:
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


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


def require_token(*scopes: str) -> Callable[..., Awaitable[AccessToken]]:
    """A dependency: the request's access token, which must hold one of ``scopes``."""

    async def check(request: Request, session: AsyncSession) -> AccessToken:
        secret = _bearer(request)
        if secret is None:
            raise Unauthorized(
                "Send an access token: Authorization: Bearer ins_…", code="missing_token"
            )
        return await auth.authenticate_token(session, secret, scopes)

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
    """Audit a refusal as auth.denied, or, beyond INSET_AUTH_DENIALS_PER_MINUTE refusals
    from this IP, raise 429 ``too_many_denials`` instead (counted for one aggregated
    auth.denied_suppressed event: no audit row per refusal in a flood)."""
    meta = request_meta(request)
    retry = None
    if exc.status_code in (401, 403):
        retry = await ratelimits.denial_allowed(meta.ip or "unknown", get_database(request))
    if retry is not None:
        raise ratelimits.too_many(
            f"Too many refused requests from this address; try again in {retry} s.",
            "too_many_denials",
            retry,
        ) from exc
    await audit.record_denial(
        session, exc, meta, method=request.method, path=request.url.path, credential=credential
    )


EmbedToken = Annotated[AccessToken, Depends(require_token("embed"))]
AdminToken = Annotated[AccessToken, Depends(require_token("admin"))]


@dataclass(frozen=True)
class Caller:
    """Who calls an admin API: an access token or (admin web UI) a signed-in admin user.

    ``actor_type``/``actor_id`` are what the audit log records for the caller."""

    actor_type: Literal["token", "admin"]
    actor_id: str
    scopes: frozenset[str]


def admin_cookie(request: Request) -> str | None:
    """The admin web session's secret (cookie ``inset_admin``); never on an external
    instance, which has no admin users."""
    if get_settings_dep(request).role != "internal":
        return None
    return request.cookies.get(admin_sessions.COOKIE_NAME) or None


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def admin_session_caller(request: Request, session: AsyncSession, secret: str) -> Caller:
    """The signed-in admin user of a cookie session; unsafe methods need the session's
    CSRF token in ``X-CSRF-Token`` (403 ``csrf_failed``). Refusals are audited."""
    try:
        _row, user = await admin_sessions.authenticate(session, secret)
        sent = request.headers.get("x-csrf-token")
        if request.method not in SAFE_METHODS and not admin_sessions.csrf_ok(secret, sent):
            raise Forbidden(
                "Missing or wrong X-CSRF-Token header; reload the admin UI.", code="csrf_failed"
            )
    except InsetError as exc:
        await _audit_denial(request, session, exc, "admin_session")
        raise
    return Caller("admin", str(user.id), frozenset(auth.SCOPES))


def require_caller(*scopes: str) -> Callable[..., Awaitable[Caller]]:
    """A dependency: the caller of an admin API: a bearer token holding one of ``scopes``,
    or a signed-in admin user (cookie session; admin users hold every scope)."""
    token_dependency = require_token(*scopes)

    async def dependency(request: Request, session: DbSession) -> Caller:
        secret = admin_cookie(request)
        if secret is not None and _bearer(request) is None:
            audit.bind_request_meta(request_meta(request))
            return await admin_session_caller(request, session, secret)
        token = await token_dependency(request, session)
        return Caller("token", str(token.id), frozenset(token.scopes))

    return dependency


AdminCaller = Annotated[Caller, Depends(require_caller("admin"))]


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
