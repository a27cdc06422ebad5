"""Bodies of /api/runtime/*."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class RunQueryRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    params: dict[str, Any] = Field(default_factory=dict)
    # {limit, offset, sort: {key, direction}, search} for a pagination: offset query,
    # checked by inset.queries.paging (422 invalid_paging / invalid_sort).
    paging: Any = None


class RuntimeEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str = Field(max_length=64)
    page: str | None = Field(default=None, max_length=200)
    # data.downloaded: what was downloaded (a query's rows or a value) and how much.
    query: str | None = Field(default=None, max_length=200)
    row_count: int | None = Field(default=None, alias="rowCount", ge=0)
    format: Literal["csv", "json"] | None = None
