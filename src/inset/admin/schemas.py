"""Bodies of the admin REST API /api/v1/*."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class GroupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)


class GroupOut(BaseModel):
    id: int
    name: str
    created_at: datetime


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    scopes: list[str] = Field(min_length=1)
    expires_days: int | None = Field(default=None, ge=1, le=3650)


class TokenOut(BaseModel):
    id: int
    name: str
    hint: str
    scopes: list[str]
    status: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None


class CreatedTokenOut(TokenOut):
    token: str = Field(description="The secret. Shown only in this response.")


class GroupAccessOut(BaseModel):
    app: str = Field(description="The app's slug.")
    name: str
    version: str = Field(description="The live release whose app.yaml sets the level.")
    level: str = Field(description="none, use, edit or own.")


class ExternalUserOut(BaseModel):
    id: int
    externalIdentifier: str
    email: str | None
    firstName: str | None
    lastName: str | None
    groupIds: list[int] = Field(description="The groups of the user's latest embed call.")
    createdAt: datetime
    lastSeenAt: datetime


class GroupDetailOut(GroupOut):
    access: list[GroupAccessOut] = Field(
        description="Read-only: access levels live in each app's app.yaml (access:)."
    )
    recentUsers: list[ExternalUserOut] = Field(
        description="External users whose latest embed call named this group, most recent first."
    )


class ExternalUserPage(BaseModel):
    users: list[ExternalUserOut]
    nextCursor: str | None


class EmbedSessionOut(BaseModel):
    id: str
    app: str
    appName: str
    startedAt: datetime
    lastSeenAt: datetime
    expiresAt: datetime
    parentOrigin: str | None
    mode: str = Field(description="cookie or cookieless.")
    status: str = Field(description="live, ended (expired or signed out) or revoked.")
    endedAt: datetime | None
