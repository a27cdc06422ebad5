"""Admin user passwords (Argon2id)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inset.auth.models import AdminUser
from inset.errors import BadRequest, Conflict

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
MIN_PASSWORD_LENGTH = 12


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def create_admin_user(session: AsyncSession, email: str, password: str) -> AdminUser:
    """Create an admin user; email must be unique, password at least 12 characters."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 320:
        raise BadRequest("email must be an email address", field="email")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise BadRequest(
            f"password must be at least {MIN_PASSWORD_LENGTH} characters", field="password"
        )
    if await session.scalar(select(AdminUser).where(AdminUser.email == email)):
        raise Conflict(f"An admin user {email} already exists.", field="email")
    user = AdminUser(email=email, password_hash=hash_password(password))
    session.add(user)
    await session.flush()
    return user
