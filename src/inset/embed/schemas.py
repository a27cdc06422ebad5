"""Request and response bodies of the embed API (wire-compatible with Retool Embed)."""

from __future__ import annotations

import json
import re
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

METADATA_MAX_BYTES = 8 * 1024
_ENVIRONMENT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def normalise_origin(value: str) -> str:
    """``scheme://host[:port]`` in lower case, or ValueError. No path, query or wildcard."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an origin such as https://app.example.com")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise ValueError("must be an origin only (scheme://host[:port]), without path or query")
    if "*" in value:
        raise ValueError("wildcards are not allowed; list each origin")
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname.lower()}{port}"


class UserInfo(BaseModel):
    """What the host knows about the user; shown in the app, never used for access."""

    model_config = ConfigDict(extra="ignore")

    email: str | None = Field(default=None, max_length=320)
    firstName: str | None = Field(default=None, max_length=200)
    lastName: str | None = Field(default=None, max_length=200)


class EmbedUrlRequest(BaseModel):
    """POST /api/embed-url/external-user (Retool's body plus Inset's extensions)."""

    model_config = ConfigDict(extra="forbid")

    landingPageUuid: str = Field(min_length=1, max_length=200)
    groupIds: list[int | str] = Field(min_length=1, max_length=100)
    externalIdentifier: str | int
    userInfo: UserInfo = Field(default_factory=UserInfo)
    metadata: dict[str, Any] = Field(default_factory=dict)
    sessionDurationMinutes: int = Field(default=600, ge=1, le=10080)
    releaseVersion: str = Field(default="latest", min_length=1, max_length=64)
    environment: str = Field(default="production")
    pageName: str | None = Field(default=None, max_length=200)
    parentOrigin: str | None = Field(default=None, max_length=300)
    sessionMode: Literal["cookieless", "cookie"] = "cookieless"

    @field_validator("externalIdentifier")
    @classmethod
    def _identifier(cls, value: str | int) -> str:
        text = str(value).strip()
        if not text or len(text) > 255:
            raise ValueError("must be 1 to 255 characters")
        return text

    @field_validator("groupIds")
    @classmethod
    def _groups(cls, value: list[int | str]) -> list[int | str]:
        for item in value:
            if isinstance(item, str) and not item.strip():
                raise ValueError("group names must not be empty")
        return value

    @field_validator("metadata")
    @classmethod
    def _metadata(cls, value: dict[str, Any]) -> dict[str, Any]:
        if len(json.dumps(value, separators=(",", ":")).encode()) > METADATA_MAX_BYTES:
            raise ValueError(f"must be at most {METADATA_MAX_BYTES} bytes of JSON")
        return value

    @field_validator("environment")
    @classmethod
    def _environment(cls, value: str) -> str:
        if not _ENVIRONMENT.match(value):
            raise ValueError("must be lower-case letters, digits, - or _ (e.g. production)")
        return value

    @field_validator("parentOrigin")
    @classmethod
    def _origin(cls, value: str | None) -> str | None:
        return None if value is None else normalise_origin(value)


class EmbedUrlResponse(BaseModel):
    embedUrl: str


class RevokeSessionsResponse(BaseModel):
    revoked: int
