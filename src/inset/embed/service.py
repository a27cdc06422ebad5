"""The embed spine: mint a single-use embed URL, redeem it into a session, authenticate
and revoke sessions."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from inset.access import service as access
from inset.access.models import ExternalUser, Group
from inset.apps import service as apps
from inset.apps.models import Release
from inset.audit.service import record
from inset.auth.models import AccessToken
from inset.db import utcnow
from inset.embed.context import SessionContext
from inset.embed.models import EmbedGrant, EmbedSession
from inset.embed.schemas import EmbedUrlRequest
from inset.errors import Forbidden, NotFound, Unauthorized, ValidationFailed
from inset.security import hash_secret, new_secret
from inset.settings import get_settings

SESSION_SECRET_PREFIX = "inss_"
COOKIE_PREFIX = "inset_session_"


@dataclass(frozen=True)
class RequestMeta:
    """Where a request came from, for the audit log."""

    request_id: str | None = None
    ip: str | None = None
    user_agent: str | None = None


@dataclass(frozen=True)
class MintedUrl:
    embed_url: str
    grant: EmbedGrant


async def mint_embed_url(
    session: AsyncSession,
    token: AccessToken | None,
    body: EmbedUrlRequest,
    meta: RequestMeta,
    *,
    preview: tuple[str, str, str] | None = None,
) -> MintedUrl:
    """Check the request against the app's rules and store a single-use grant.

    Raises ValidationFailed (422) naming the field for an unknown app, release, group,
    page or a parent origin the app does not allow; Forbidden (403) when no given group
    may use the app. ``preview`` (admin previews only, see :mod:`inset.embed.preview`):
    ``(actor_type, actor_id, own_origin)`` records the admin as the actor instead of
    ``token`` and also allows the instance's own origin as the parent origin."""
    actor_type, actor_id, own_origin = preview or ("token", str(token.id if token else ""), "")
    app = await apps.resolve_app(session, body.landingPageUuid, field="landingPageUuid")
    release = await apps.resolve_release(session, app, body.releaseVersion, field="releaseVersion")
    groups = await access.resolve_groups(session, body.groupIds, field="groupIds")
    group_names = [g.name for g in groups]
    bundle = release.bundle
    if access.app_access_level(bundle, group_names) == "none":
        await record(
            session,
            "embed_url.denied",
            actor_type=actor_type,
            actor_id=actor_id,
            outcome="denied",
            external_identifier=str(body.externalIdentifier),
            app_id=app.id,
            request_id=meta.request_id,
            ip=meta.ip,
            user_agent=meta.user_agent,
            data={"groups": group_names, "reason": "no_app_access"},
        )
        raise Forbidden(
            "None of the given groups may use this app.", code="app_forbidden", field="groupIds"
        )
    if body.pageName is not None and body.pageName not in {p["name"] for p in bundle["pages"]}:
        raise ValidationFailed(f"pageName: the app has no page '{body.pageName}'", field="pageName")
    allowed_origins = bundle.get("embed", {}).get("parentOrigins", [])
    if body.parentOrigin not in (None, own_origin or None, *allowed_origins):
        raise ValidationFailed(
            f"parentOrigin: {body.parentOrigin} is not in the app's embed.parentOrigins",
            field="parentOrigin",
            code="origin_not_allowed",
        )
    user = await access.upsert_external_user(
        session,
        str(body.externalIdentifier),
        body.userInfo.model_dump(),
        [g.id for g in groups],
        body.metadata,
        record_visit=preview is None,  # a preview is not the user's visit
    )
    nonce = secrets.token_urlsafe(32)
    grant = EmbedGrant(
        nonce_hash=hash_secret(nonce),
        token_id=token.id if token else None,
        external_user_id=user.id,
        app_id=app.id,
        release_id=release.id,
        group_ids=[g.id for g in groups],
        user_metadata=body.metadata,
        environment=body.environment,
        page_name=body.pageName,
        parent_origin=body.parentOrigin,
        session_mode=body.sessionMode,
        session_minutes=body.sessionDurationMinutes,
        expires_at=utcnow() + timedelta(seconds=get_settings().embed_url_ttl_seconds),
    )
    session.add(grant)
    await session.flush()
    await record(
        session,
        "embed_url.created",
        actor_type=actor_type,
        actor_id=actor_id,
        external_identifier=user.external_identifier,
        app_id=app.id,
        request_id=meta.request_id,
        ip=meta.ip,
        user_agent=meta.user_agent,
        data={
            "grantId": grant.id,
            "groups": group_names,
            "release": release.version,
            "environment": body.environment,
            "sessionMode": body.sessionMode,
            "parentOrigin": body.parentOrigin,
        },
    )
    base = get_settings().public_url.rstrip("/")
    return MintedUrl(embed_url=f"{base}/embed/r/{nonce}", grant=grant)


@dataclass(frozen=True)
class RedeemFailure:
    """Why a nonce could not be redeemed, and where to tell the host page."""

    status: int
    code: str
    message: str
    parent_origin: str | None


@dataclass(frozen=True)
class Redeemed:
    session: EmbedSession
    secret: str
    grant: EmbedGrant
    bundle: dict[str, Any]


async def redeem(session: AsyncSession, nonce: str, meta: RequestMeta) -> Redeemed | RedeemFailure:
    """Turn a nonce into a session, at most once, with one atomic UPDATE."""
    now = utcnow()
    nonce_hash = hash_secret(nonce) if len(nonce) <= 100 else ""
    claimed = await session.execute(
        update(EmbedGrant)
        .where(
            EmbedGrant.nonce_hash == nonce_hash,
            EmbedGrant.used_at.is_(None),
            EmbedGrant.expires_at > now,
        )
        .values(used_at=now)
        .returning(EmbedGrant.id)
    )
    grant_id = claimed.scalar_one_or_none()
    if grant_id is None:
        return await _redeem_failure(session, nonce_hash, meta)
    grant = await session.get(EmbedGrant, grant_id, populate_existing=True)
    assert grant is not None and grant.release_id is not None
    release = await _release(session, grant.release_id)
    groups = list(await session.scalars(select(Group).where(Group.id.in_(grant.group_ids))))
    secret = new_secret(SESSION_SECRET_PREFIX)
    embed_session = EmbedSession(
        id=str(uuid.uuid4()),
        secret_hash=hash_secret(secret),
        grant_id=grant.id,
        external_user_id=grant.external_user_id,
        app_id=grant.app_id,
        release_id=grant.release_id,
        group_ids=sorted(g.id for g in groups),
        group_names=sorted(g.name for g in groups),
        user_metadata=grant.user_metadata,
        environment=grant.environment,
        parent_origin=grant.parent_origin,
        session_mode=grant.session_mode,
        expires_at=now + timedelta(minutes=grant.session_minutes),
    )
    session.add(embed_session)
    await session.flush()
    user = await session.get(ExternalUser, grant.external_user_id)
    await record(
        session,
        "session.started",
        actor_type="external_user",
        actor_id=grant.external_user_id,
        external_identifier=user.external_identifier if user else None,
        app_id=grant.app_id,
        session_id=embed_session.id,
        request_id=meta.request_id,
        ip=meta.ip,
        user_agent=meta.user_agent,
        data={
            "grantId": grant.id,
            "release": release.version,
            "groups": embed_session.group_names,
            "mode": grant.session_mode,
            "expiresAt": embed_session.expires_at.isoformat(),
        },
    )
    return Redeemed(session=embed_session, secret=secret, grant=grant, bundle=release.bundle)


async def _redeem_failure(
    session: AsyncSession, nonce_hash: str, meta: RequestMeta
) -> RedeemFailure:
    grant = await session.scalar(select(EmbedGrant).where(EmbedGrant.nonce_hash == nonce_hash))
    if grant is None:
        return RedeemFailure(404, "embed_url_unknown", "This embed link is not valid.", None)
    used = grant.used_at is not None
    await record(
        session,
        "session.denied",
        actor_type="external_user",
        actor_id=grant.external_user_id,
        outcome="denied",
        app_id=grant.app_id,
        request_id=meta.request_id,
        ip=meta.ip,
        user_agent=meta.user_agent,
        data={"grantId": grant.id, "reason": "nonce_replayed" if used else "nonce_expired"},
    )
    if used:
        return RedeemFailure(
            410, "embed_url_used", "This embed link was already used.", grant.parent_origin
        )
    return RedeemFailure(
        410, "embed_url_expired", "This embed link has expired.", grant.parent_origin
    )


# Releases are immutable, so their bundles can be cached for the life of the process,
# keyed by metadata database and release id (one process may serve several databases).
_release_cache: dict[tuple[str, int], Release] = {}
_RELEASE_CACHE_MAX = 256


async def _release(session: AsyncSession, release_id: int) -> Release:
    key = (str(getattr(session.bind, "url", "")), release_id)
    release = _release_cache.get(key)
    if release is None:
        release = await session.get(Release, release_id)
        if release is None:
            raise NotFound("The app release of this session no longer exists.")
        if len(_release_cache) >= _RELEASE_CACHE_MAX:
            _release_cache.clear()
        _release_cache[key] = release
    return release


async def release_bundle(session: AsyncSession, release_id: int) -> dict[str, Any]:
    """The (immutable, cached) bundle of a release."""
    return (await _release(session, release_id)).bundle


# What authenticate_session reads: plain columns of one indexed join (no ORM objects).
_SESSION_COLUMNS = (
    EmbedSession.id,
    EmbedSession.revoked_at,
    EmbedSession.expires_at,
    EmbedSession.group_ids,
    EmbedSession.group_names,
    EmbedSession.user_metadata,
    EmbedSession.app_id,
    EmbedSession.release_id,
    EmbedSession.environment,
    EmbedSession.parent_origin,
    EmbedSession.session_mode,
    ExternalUser.id.label("user_id"),
    ExternalUser.external_identifier,
    ExternalUser.email,
    ExternalUser.first_name,
    ExternalUser.last_name,
)
_SESSION_QUERY = select(*_SESSION_COLUMNS).join(
    ExternalUser, ExternalUser.id == EmbedSession.external_user_id
)


async def authenticate_session(
    session: AsyncSession, *, secret: str | None = None, cookie_session_id: str | None = None
) -> SessionContext:
    """The live session for a bearer secret (cookieless) or a session cookie (cookie mode).

    One indexed SELECT (by the secret's HMAC, joined to the user) and no write. Every call
    reads the row, so a revocation by any process applies to the next request."""
    if not secret or not secret.startswith(SESSION_SECRET_PREFIX) or len(secret) > 200:
        raise Unauthorized("No valid session.", code="invalid_session")
    result = await session.execute(
        _SESSION_QUERY.where(EmbedSession.secret_hash == hash_secret(secret))
    )
    row = result.first()
    if row is None:
        raise Unauthorized("No valid session.", code="invalid_session")
    if cookie_session_id is not None and row.id != cookie_session_id:
        raise Unauthorized("No valid session.", code="invalid_session")
    if row.revoked_at is not None:
        raise Unauthorized("This session has been ended.", code="session_revoked")
    if row.expires_at <= utcnow():
        raise Unauthorized("This session has expired.", code="session_expired")
    return SessionContext(
        session_id=row.id,
        external_user_id=row.user_id,
        external_identifier=row.external_identifier,
        email=row.email,
        first_name=row.first_name,
        last_name=row.last_name,
        group_ids=list(row.group_ids),
        group_names=list(row.group_names),
        metadata=dict(row.user_metadata or {}),
        app_id=row.app_id,
        release_id=row.release_id,
        environment=row.environment,
        parent_origin=row.parent_origin,
        mode=row.session_mode,
        expires_at=row.expires_at,
    )


async def revoke_user_sessions(
    session: AsyncSession,
    external_identifier: str,
    *,
    actor_type: str,
    actor_id: str | int,
    meta: RequestMeta,
) -> int:
    """End every live session of one external user; returns how many."""
    user = await session.scalar(
        select(ExternalUser).where(ExternalUser.external_identifier == external_identifier)
    )
    if user is None:
        raise NotFound(f"No external user '{external_identifier}'.", field="externalIdentifier")
    now = utcnow()
    result = await session.execute(
        update(EmbedSession)
        .where(
            EmbedSession.external_user_id == user.id,
            EmbedSession.revoked_at.is_(None),
            EmbedSession.expires_at > now,
        )
        .values(revoked_at=now, revoked_reason="revoked")
        .returning(EmbedSession.id)
    )
    revoked = list(result.scalars())
    await record(
        session,
        "session.revoked",
        actor_type=actor_type,
        actor_id=actor_id,
        external_identifier=external_identifier,
        request_id=meta.request_id,
        ip=meta.ip,
        user_agent=meta.user_agent,
        data={"sessions": revoked, "count": len(revoked)},
    )
    return len(revoked)


async def end_session(
    session: AsyncSession,
    session_id: str,
    *,
    reason: str,
    actor_type: str,
    actor_id: str | int | None,
    meta: RequestMeta,
) -> None:
    """End one session (admin DELETE or the user's logout)."""
    embed_session = await session.get(EmbedSession, session_id)
    if embed_session is None:
        raise NotFound(f"No session '{session_id}'.", field="id")
    if embed_session.revoked_at is None:
        embed_session.revoked_at = utcnow()
        embed_session.revoked_reason = reason
    user = await session.get(ExternalUser, embed_session.external_user_id)
    await record(
        session,
        "session.ended" if reason == "logout" else "session.revoked",
        actor_type=actor_type,
        actor_id=actor_id,
        external_identifier=user.external_identifier if user else None,
        app_id=embed_session.app_id,
        session_id=session_id,
        request_id=meta.request_id,
        ip=meta.ip,
        user_agent=meta.user_agent,
        data={"reason": reason},
    )


def frame_ancestors(bundle: dict[str, Any], parent_origin: str | None) -> list[str]:
    """Who may frame this session's pages: its pinned origin, else the app's list."""
    if parent_origin:
        return [parent_origin]
    return list(bundle.get("embed", {}).get("parentOrigins", []))
