"""Access tokens: create (shown once), authenticate, list, revoke."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from inset.auth.models import AccessToken
from inset.db import utcnow
from inset.errors import BadRequest, Forbidden, NotFound, Unauthorized
from inset.security import hash_secret, new_secret

TOKEN_PREFIX = "ins_"
SCOPES = ("embed", "admin", "apps:deploy", "audit:read")
# last_used_at is written at most this often per token, to keep the hot path read-only.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class CreatedToken:
    token: AccessToken
    secret: str


async def create_token(
    session: AsyncSession, name: str, scopes: list[str], expires_days: int | None = None
) -> CreatedToken:
    """Create a token; the plaintext secret is returned here and never again."""
    name = name.strip()
    if not name or len(name) > 200:
        raise BadRequest("name must be 1 to 200 characters", field="name")
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise BadRequest(
            f"scopes must be some of {', '.join(SCOPES)} (got {', '.join(unknown) or 'none'})",
            field="scopes",
        )
    if expires_days is not None and not 1 <= expires_days <= 3650:
        raise BadRequest("expires_days must be between 1 and 3650", field="expires_days")
    secret = new_secret(TOKEN_PREFIX)
    token = AccessToken(
        name=name,
        token_hash=hash_secret(secret),
        hint=secret[:8],
        scopes=sorted(set(scopes)),
        expires_at=utcnow() + timedelta(days=expires_days) if expires_days else None,
    )
    session.add(token)
    await session.flush()
    return CreatedToken(token=token, secret=secret)


async def authenticate_token(
    session: AsyncSession, secret: str, scope: str | tuple[str, ...]
) -> AccessToken:
    """The live token for ``secret`` holding ``scope`` (or one of several); 401 when unknown,
    403 without the scope."""
    wanted = (scope,) if isinstance(scope, str) else scope
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        raise Unauthorized("Invalid access token.", code="invalid_token")
    token = await session.scalar(
        select(AccessToken).where(AccessToken.token_hash == hash_secret(secret))
    )
    now = utcnow()
    if token is None:
        raise Unauthorized("Invalid access token.", code="invalid_token")
    if token.revoked_at is not None:
        raise Unauthorized("This access token has been revoked.", code="token_revoked")
    if token.expires_at is not None and token.expires_at <= now:
        raise Unauthorized("This access token has expired.", code="token_expired")
    if not set(wanted) & set(token.scopes):
        others = "".join(f" (or '{w}')" for w in wanted[1:])
        raise Forbidden(
            f"This access token lacks the scope '{wanted[0]}'{others}.", code="insufficient_scope"
        )
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        token.last_used_at = now
    return token


async def list_tokens(session: AsyncSession) -> list[AccessToken]:
    """All tokens, newest first."""
    return list(await session.scalars(select(AccessToken).order_by(AccessToken.id.desc())))


async def revoke_token(session: AsyncSession, token_id: int) -> AccessToken:
    """Revoke a token; it fails on its next use in every process."""
    token = await session.get(AccessToken, token_id)
    if token is None:
        raise NotFound(f"No access token with id {token_id}.", field="id")
    if token.revoked_at is None:
        await session.execute(
            update(AccessToken).where(AccessToken.id == token_id).values(revoked_at=utcnow())
        )
        await session.refresh(token)
    return token


def token_status(token: AccessToken, now: datetime | None = None) -> str:
    """active, expired or revoked."""
    now = now or utcnow()
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= now:
        return "expired"
    return "active"
