"""The one settings object. Every field is an environment variable with prefix ``INSET_``.

docs/settings.md documents each of them; tests/test_docs.py fails when one is missing.
"""

from __future__ import annotations

import os
import secrets
import sys
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SECRET_KEY_FILE = "secret.key"


class Settings(BaseSettings):
    """Inset configuration, read from ``INSET_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="INSET_", extra="ignore")

    data_dir: Path = Field(
        default=Path("."),
        description="Folder for the default SQLite database and the generated secret key.",
    )
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL of the metadata database. Default: SQLite file "
        "inset.db in the data dir. PostgreSQL: postgresql+psycopg://user:pw@host/db.",
    )
    secret_key: str = Field(
        default="",
        description="Key for hashing tokens and encrypting resource credentials. "
        "Generated into DATA_DIR/secret.key on first run when unset (with a warning).",
    )
    public_url: str = Field(
        default="http://127.0.0.1:8700",
        description="Base URL the host page's browser uses to reach Inset; "
        "embed URLs start with it.",
    )
    role: Literal["internal", "external"] = Field(
        default="internal",
        description="internal (all features) or external (serves embeds and accepts deploys only).",
    )
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated IPs/CIDRs whose X-Forwarded-For/-Proto headers are honoured.",
    )
    embed_url_ttl_seconds: int = Field(
        default=120, ge=5, le=3600, description="How long a minted embed URL can be redeemed."
    )
    log_format: Literal["console", "json"] = Field(
        default="console", description="console for people, json for log shippers."
    )
    log_level: str = Field(default="info", description="debug, info, warning or error.")
    query_timeout_seconds: float = Field(
        default=10.0, gt=0, le=600, description="Statement timeout for every resource query."
    )
    query_max_rows: int = Field(
        default=10_000, ge=1, description="Rows returned at most; more sets truncated=true."
    )
    query_max_bytes: int = Field(
        default=10_000_000, ge=1024, description="JSON bytes of a query result at most."
    )
    query_max_concurrent_per_session: int = Field(
        default=4,
        ge=0,
        le=1000,
        description="Queries one embed session may run at once; 0 = no cap.",
    )
    query_rate_limit: str = Field(
        default="120/minute",
        description="Query runs per external user, in `limits` notation; empty = no limit.",
    )
    redis_url: str | None = Field(
        default=None, description="redis://… to share rate limits between processes."
    )
    max_request_bytes: int = Field(
        default=1_000_000, ge=1024, description="Largest request body accepted on the JSON APIs."
    )
    audit_retention_days: int = Field(
        default=0, ge=0, description="Audit events older than this are purged; 0 keeps all."
    )
    audit_stdout: bool = Field(
        default=False, description="Mirror each committed audit event as a JSON line on stdout."
    )
    shutdown_timeout_seconds: int = Field(
        default=20,
        ge=0,
        le=3600,
        description="On SIGTERM, how long `inset serve` lets requests in flight finish.",
    )
    audit_chain_interval_ms: int = Field(
        default=200,
        ge=10,
        le=60_000,
        description="How often each server process links new audit events into the hash chain.",
    )
    admin_session_idle_minutes: int = Field(
        default=30,
        ge=1,
        le=1440,
        description="An admin web session ends after this many minutes without a request.",
    )
    admin_session_max_hours: int = Field(
        default=12, ge=1, le=720, description="An admin web session ends this long after sign-in."
    )
    admin_login_max_failures: int = Field(
        default=5,
        ge=1,
        le=1000,
        description="Failed admin sign-ins per email before it is locked out for a while.",
    )
    admin_login_lockout_minutes: int = Field(
        default=15, ge=1, le=1440, description="How long an admin email stays locked out."
    )
    admin_login_rate_limit: str = Field(
        default="20/minute",
        description="Admin sign-in attempts per IP and per email, in `limits` notation.",
    )
    admin_password_min_length: int = Field(
        default=12, ge=8, le=200, description="Shortest admin password accepted."
    )

    auth_denials_per_minute: int = Field(
        default=60,
        ge=0,
        description="Audited authentication refusals per client IP and minute; beyond: 429 "
        "and one aggregated audit event. 0 = no limit.",
    )
    body_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="Longest time a request body may take to arrive (slow clients: 408).",
    )
    metrics_token: str = Field(
        default="", description="When set, GET /metrics needs Authorization: Bearer <it>."
    )
    metrics_on_external: bool = Field(
        default=False, description="Serve GET /metrics on an external instance too."
    )

    @field_validator("data_dir")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    @field_validator("query_rate_limit", "admin_login_rate_limit")
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        from limits import parse_many  # e.g. "120/minute" or "10/second;500/hour"

        if value.strip():
            parse_many(value.strip())  # ValueError: a clear settings error at start-up
        return value

    @property
    def effective_database_url(self) -> str:
        """The metadata database URL, defaulting to SQLite in the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'inset.db').as_posix()}"

    @property
    def trusted_proxy_networks(self) -> list[IPv4Network | IPv6Network]:
        """INSET_TRUSTED_PROXIES parsed into networks."""
        return [
            ip_network(part.strip(), strict=False)
            for part in self.trusted_proxies.split(",")
            if part.strip()
        ]

    def resolved_secret_key(self) -> str:
        """INSET_SECRET_KEY, or the key in DATA_DIR/secret.key, created on first use."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / SECRET_KEY_FILE
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key + "\n")
        print(
            f"warning: INSET_SECRET_KEY is not set; generated one into {path}. "
            "Back it up: tokens and resource credentials depend on it.",
            file=sys.stderr,
        )
        return key


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once; tests call ``get_settings.cache_clear()``)."""
    return Settings()
