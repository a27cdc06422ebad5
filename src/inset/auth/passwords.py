"""Admin user passwords (Argon2id)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inset.auth.models import AdminUser
from inset.errors import BadRequest, Conflict
from inset.settings import get_settings

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def check_new_admin(email: str, password: str) -> str:
    """The normalised email, after checking it and the password policy (field errors)."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 320:
        raise BadRequest("email must be an email address", field="email")
    minimum = get_settings().admin_password_min_length
    if len(password) < minimum:
        raise BadRequest(f"password must be at least {minimum} characters", field="password")
    return email


async def create_admin_user(session: AsyncSession, email: str, password: str) -> AdminUser:
    """Create an admin user; email must be unique, password at least
    INSET_ADMIN_PASSWORD_MIN_LENGTH characters."""
    email = check_new_admin(email, password)
    if await session.scalar(select(AdminUser).where(AdminUser.email == email)):
        raise Conflict(f"An admin user {email} already exists.", field="email")
    user = AdminUser(email=email, password_hash=hash_password(password))
    session.add(user)
    await session.flush()
    return user
