"""Admin web sessions: sign-in (throttled, lockout), the session cookie's secret, CSRF tokens
derived from it, sign-out, and the first-run setup (loopback or a one-time setup token).

The cookie ``inset_admin`` holds a random secret; only its HMAC is stored
(``admin_sessions.secret_hash``). The CSRF token is an HMAC of the same secret, so it needs no
storage and changes with each session. A session ends after
``INSET_ADMIN_SESSION_IDLE_MINUTES`` without a request, ``INSET_ADMIN_SESSION_MAX_HOURS``
after sign-in, or at sign-out (revoked server-side)."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from inset.audit.service import record
from inset.auth import passwords, throttle
from inset.auth.models import AdminSession, AdminSetupToken, AdminUser
from inset.db import utcnow
from inset.errors import Conflict, Forbidden, InsetError, Unauthorized
from inset.security import hash_secret, new_secret, secrets_equal
from inset.settings import get_settings

COOKIE_NAME = "inset_admin"
SESSION_PREFIX = "insa_"
SETUP_PREFIX = "inss_"
SETUP_TOKEN_TTL = timedelta(hours=1)
# last_seen_at is written at most this often per session (keeps most requests read-only).
LAST_SEEN_RESOLUTION = timedelta(minutes=1)
LOGIN_FAILED = "Wrong email or password."


class SessionInvalid(Unauthorized):
    code = "admin_session_invalid"


@dataclass(frozen=True)
class Meta:
    ip: str | None
    user_agent: str | None
    request_id: str | None = None


@dataclass(frozen=True)
class SignedIn:
    session: AdminSession
    user: AdminUser
    secret: str  # the cookie value: shown only here

    @property
    def csrf_token(self) -> str:
        return csrf_token(self.secret)


def csrf_token(secret: str) -> str:
    """The CSRF token of the session whose cookie secret is ``secret``."""
    return hash_secret("csrf:" + secret)


def csrf_ok(secret: str, sent: str | None) -> bool:
    return bool(sent) and secrets_equal(csrf_token(secret), sent or "")


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Verified against when the email is unknown, so that both answers take as long.
    return passwords.hash_password(new_secret("dummy_"))


async def _audit(
    session: AsyncSession,
    type: str,
    meta: Meta,
    *,
    outcome: str = "ok",
    actor_id: int | None = None,
    data: dict[str, object] | None = None,
) -> None:
    await record(
        session,
        type,
        actor_type="admin",
        actor_id=actor_id,
        outcome=outcome,
        request_id=meta.request_id,
        ip=meta.ip,
        user_agent=meta.user_agent,
        data=data,
    )


async def login(session: AsyncSession, email: str, password: str, meta: Meta) -> SignedIn:
    """Check the credentials and open a session. Unknown email and wrong password get the
    same answer (and take as long); refusals are audited as ``admin.login`` denied."""
    email = email.strip().lower()[:320]
    try:
        await throttle.check_attempt(meta.ip, email)
    except InsetError as exc:
        await _audit(
            session,
            "admin.login",
            meta,
            outcome="denied",
            data={"email": email, "reason": exc.code},
        )
        raise
    user = await session.scalar(select(AdminUser).where(AdminUser.email == email))
    stored = user.password_hash if user is not None else _dummy_hash()
    valid = await asyncio.to_thread(passwords.verify_password, stored, password)
    if user is None or not valid or user.disabled_at is not None:
        reason = "unknown_email" if user is None else "wrong_password"
        if user is not None and valid:
            reason = "disabled"
        await throttle.record_failure(email)
        await _audit(
            session,
            "admin.login",
            meta,
            outcome="denied",
            actor_id=user.id if user else None,
            data={"email": email, "reason": reason},
        )
        raise Unauthorized(LOGIN_FAILED, code="invalid_credentials")
    await throttle.clear_failures(email)
    signed_in = await open_session(session, user, meta)
    await _audit(session, "admin.login", meta, actor_id=user.id, data={"email": email})
    return signed_in


async def open_session(session: AsyncSession, user: AdminUser, meta: Meta) -> SignedIn:
    settings = get_settings()
    now = utcnow()
    secret = new_secret(SESSION_PREFIX)
    row = AdminSession(
        id=str(uuid.uuid4()),
        admin_user_id=user.id,
        secret_hash=hash_secret(secret),
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(hours=settings.admin_session_max_hours),
        ip=meta.ip,
        user_agent=(meta.user_agent or "")[:400] or None,
    )
    session.add(row)
    await session.flush()
    return SignedIn(row, user, secret)


async def authenticate(session: AsyncSession, secret: str | None) -> tuple[AdminSession, AdminUser]:
    """The live session (and its user) for a cookie secret; 401 otherwise. Moves
    ``last_seen_at`` (throttled), which is what the idle timeout counts from."""
    if not secret or not secret.startswith(SESSION_PREFIX) or len(secret) > 200:
        raise SessionInvalid("Sign in to the admin UI.")
    row = await session.scalar(
        select(AdminSession).where(AdminSession.secret_hash == hash_secret(secret))
    )
    user = await session.get(AdminUser, row.admin_user_id) if row is not None else None
    if row is None or user is None:
        raise SessionInvalid("Sign in to the admin UI.")
    now = utcnow()
    idle = timedelta(minutes=get_settings().admin_session_idle_minutes)
    if row.revoked_at is not None or user.disabled_at is not None:
        raise SessionInvalid("This admin session has ended; sign in again.")
    if row.expires_at <= now or row.last_seen_at + idle <= now:
        raise SessionInvalid("This admin session has expired; sign in again.")
    if now - row.last_seen_at > LAST_SEEN_RESOLUTION:
        row.last_seen_at = now
    return row, user


async def logout(session: AsyncSession, secret: str | None, meta: Meta) -> None:
    """Revoke the session of ``secret`` (no error when there is none)."""
    if not secret:
        return
    row = await session.scalar(
        select(AdminSession).where(AdminSession.secret_hash == hash_secret(secret))
    )
    if row is None or row.revoked_at is not None:
        return
    await session.execute(
        update(AdminSession).where(AdminSession.id == row.id).values(revoked_at=utcnow())
    )
    await _audit(session, "admin.logout", meta, actor_id=row.admin_user_id)


# ---- first-run setup ------------------------------------------------------------------


async def admin_exists(session: AsyncSession) -> bool:
    return bool(await session.scalar(select(func.count()).select_from(AdminUser)))


async def create_setup_token(session: AsyncSession) -> str:
    """A one-time setup token (valid for an hour); the plaintext is returned only here."""
    if await admin_exists(session):
        raise Conflict(
            "An administrator already exists; add more with inset admin create-user.",
            code="already_set_up",
        )
    secret = new_secret(SETUP_PREFIX)
    session.add(
        AdminSetupToken(token_hash=hash_secret(secret), expires_at=utcnow() + SETUP_TOKEN_TTL)
    )
    await session.flush()
    return secret


async def _use_setup_token(session: AsyncSession, secret: str) -> None:
    now = utcnow()
    result = await session.execute(
        update(AdminSetupToken)
        .where(
            AdminSetupToken.token_hash == hash_secret(secret),
            AdminSetupToken.used_at.is_(None),
            AdminSetupToken.expires_at > now,
        )
        .values(used_at=now)
    )
    if getattr(result, "rowcount", 0) != 1:
        raise Forbidden(
            "This setup token is unknown, expired or already used; "
            "print a new one with inset admin setup-token.",
            code="invalid_setup_token",
            field="setupToken",
        )


async def setup(
    session: AsyncSession,
    email: str,
    password: str,
    meta: Meta,
    *,
    loopback: bool,
    setup_token: str | None,
) -> SignedIn:
    """Create the first administrator and sign them in. Allowed only while no admin user
    exists, and only from loopback or with a setup token."""
    if await admin_exists(session):
        raise Conflict("An administrator already exists; sign in instead.", code="already_set_up")
    passwords.check_new_admin(email, password)  # field errors before the token is spent
    if setup_token:
        await _use_setup_token(session, setup_token.strip())
    elif not loopback:
        raise Forbidden(
            "The first administrator can be created only from this machine (127.0.0.1) or "
            "with a setup token: run inset admin setup-token on the server.",
            code="setup_token_required",
            field="setupToken",
        )
    user = await passwords.create_admin_user(session, email, password)
    await _audit(session, "admin.setup", meta, actor_id=user.id, data={"email": user.email})
    return await open_session(session, user, meta)
