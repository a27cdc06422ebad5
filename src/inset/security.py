"""Secrets: generation, keyed hashing and symmetric encryption, all from INSET_SECRET_KEY."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from inset.settings import get_settings


def _derive(purpose: bytes) -> bytes:
    key = get_settings().resolved_secret_key().encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"inset", info=purpose).derive(key)


@lru_cache(maxsize=1)
def _hmac_key() -> bytes:
    return _derive(b"token-hmac")


@lru_cache(maxsize=1)
def _fernet() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derive(b"resource-credentials")))


def reset_key_cache() -> None:
    """Forget derived keys (after settings change, e.g. in tests)."""
    _hmac_key.cache_clear()
    _fernet.cache_clear()


def new_secret(prefix: str) -> str:
    """A 256-bit random secret with a scanner-friendly prefix, e.g. ``ins_…``."""
    return prefix + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """HMAC-SHA256 of a secret; what we store and look secrets up by."""
    return hmac.new(_hmac_key(), secret.encode(), hashlib.sha256).hexdigest()


def secrets_equal(a: str, b: str) -> bool:
    """Timing-safe comparison."""
    return hmac.compare_digest(a.encode(), b.encode())


def encrypt(plaintext: str) -> str:
    """Encrypt for storage at rest (Fernet)."""
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    """Decrypt what :func:`encrypt` produced; raises ValueError when the key changed."""
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("cannot decrypt: INSET_SECRET_KEY differs from the one used") from exc
