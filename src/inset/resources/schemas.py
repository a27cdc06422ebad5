"""Resource shapes: the decrypted server-side config, the masked admin view, the create body."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field

ResourceType = Literal["sqlite", "postgres", "mysql", "rest"]
RESOURCE_TYPES: tuple[str, ...] = ("sqlite", "postgres", "mysql", "rest")
MASK = "****"
_SENSITIVE_KEY = re.compile(
    r"pass|secret|token|key|auth|sig|credential|session|cookie", re.IGNORECASE
)


def mask_url(url: str) -> str:
    """``url`` with the password and sensitive-looking query values replaced by ``****``.

    A file path (sqlite) has neither and comes back unchanged."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return MASK
    if not parts.scheme or not parts.netloc:
        return url
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        user, sep, _password = userinfo.partition(":")
        netloc = f"{user}:{MASK}@{hostport}" if sep else f"{user}@{hostport}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode(
            [(k, MASK if _SENSITIVE_KEY.search(k) else v) for k, v in pairs],
            safe="*",
            quote_via=quote,
        )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def mask_headers(headers: dict[str, str]) -> dict[str, str]:
    """Header names with every value masked (values are usually credentials)."""
    return {name: MASK for name in headers}


@dataclass(frozen=True, repr=False)
class ResourceConfig:
    """A resource's decrypted connection settings for one environment. Server side only:
    never put it in a response or a log line (its ``repr`` is masked for that reason)."""

    name: str
    environment: str
    type: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return (
            f"ResourceConfig(name={self.name!r}, environment={self.environment!r}, "
            f"type={self.type!r}, url={mask_url(self.url)!r})"
        )

    __str__ = __repr__

    def fingerprint(self) -> str:
        """A hash of everything that affects a connection (a changed config → new pool)."""
        material = json.dumps(
            [self.type, self.url, self.headers, self.options], sort_keys=True, default=str
        )
        return hashlib.sha256(material.encode()).hexdigest()

    def option(self, key: str, default: Any) -> Any:
        return self.options.get(key, default)


class ResourceView(BaseModel):
    """What admins see: no password, no header values."""

    model_config = ConfigDict(populate_by_name=True)

    id: int
    name: str
    environment: str
    type: str
    url: str = Field(description="The URL with its password masked as ****.")
    headers: dict[str, str] = Field(default_factory=dict, description="Values masked.")
    options: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime = Field(alias="createdAt")
    updated_at: datetime = Field(alias="updatedAt")


class ResourceCreate(BaseModel):
    """Body of the admin API's create/update call (validated again by the service)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    type: ResourceType
    url: str
    environment: str = "production"
    headers: dict[str, str] | None = None
    options: dict[str, Any] | None = None


class ResourceTestResult(BaseModel):
    """Outcome of ``test_resource`` (a failure raises instead)."""

    model_config = ConfigDict(populate_by_name=True)

    ok: bool
    name: str
    environment: str
    type: str
    duration_ms: int = Field(alias="durationMs")


# --- Admin web UI: the resource form ----------------------------------------------------


class HeaderIn(BaseModel):
    """A REST header; an empty ``value`` on update keeps the stored value."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=200)
    value: str = Field(default="", max_length=8000)


class ResourceForm(BaseModel):
    """POST/PUT /api/v1/resources: the type-specific fields of the admin form (checked by
    the service, which names the bad field). Secrets left empty on update are kept."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="", max_length=200)
    environment: str = Field(default="production", max_length=64)
    type: str = Field(default="", max_length=16)
    path: str | None = Field(default=None, max_length=4000)
    host: str | None = Field(default=None, max_length=255)
    port: int | None = None
    database: str | None = Field(default=None, max_length=255)
    user: str | None = Field(default=None, max_length=255)
    password: str | None = Field(default=None, max_length=1000)
    ssl: str | None = Field(default=None, max_length=16)
    baseUrl: str | None = Field(default=None, max_length=4000)
    headers: list[HeaderIn] = Field(default_factory=list, max_length=50)
    allowPrivateNetwork: bool = False
