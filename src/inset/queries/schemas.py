"""Request and response shapes of ``POST /api/runtime/queries/{name}/run``.

The route passes ``RunQueryRequest.params`` to ``run_query`` untouched (any JSON value):
``validate_params`` owns every check, so every bad input gets the same 422 shape.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class RunQueryRequest(BaseModel):
    """``{"params": {...}}``; ``params`` may be omitted or null for a query without params."""

    model_config = ConfigDict(extra="forbid")

    params: Any = Field(default=None, description="Values of the query's declared params.")


class Column(BaseModel):
    name: str


class ReadResult(BaseModel):
    """A read query's rows (values encoded as docs/queries.md describes)."""

    columns: list[Column]
    rows: list[dict[str, Any]]
    row_count: int = Field(alias="rowCount")
    truncated: bool


class WriteResult(BaseModel):
    """A write query's outcome; a write that returns rows (``RETURNING``) also has them."""

    affected_rows: int = Field(alias="affectedRows")
    columns: list[Column] | None = None
    rows: list[dict[str, Any]] | None = None
    row_count: int | None = Field(default=None, alias="rowCount")
    truncated: bool | None = None
