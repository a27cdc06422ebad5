"""POST /api/v1/access/explain, for tokens with scope ``admin``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from inset.access import explain as access_explain
from inset.deps import AdminCaller, DbSession

router = APIRouter(prefix="/api/v1", tags=["access"])


class ExplainIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    externalIdentifier: str | None = Field(default=None, min_length=1, max_length=255)
    groupIds: list[int | str] | None = Field(default=None, max_length=100)
    app: str | None = Field(default=None, min_length=1, max_length=200)


@router.post("/access/explain")
async def explain(body: ExplainIn, caller: AdminCaller, session: DbSession) -> dict[str, Any]:
    """Which apps, pages and queries a user (or groups) reach, and the rule for each."""
    return await access_explain.explain(
        session,
        external_identifier=body.externalIdentifier,
        group_refs=body.groupIds,
        app=body.app,
    )
