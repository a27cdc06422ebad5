"""What the OpenAPI document says about errors: every route may answer the one error shape
(``inset.errors``) with these statuses, so clients and the schemathesis fuzz test
(tests/fuzz) can hold every answer to the document."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path
from pydantic import BaseModel, ConfigDict


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="allow")

    code: str
    message: str
    field: str | None = None
    details: Any = None


class ErrorBody(BaseModel):
    """``{"error": {"code", "message", "field"?, "details"?}}``."""

    error: ErrorDetail


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


# Statuses any route may answer: a malformed body, a missing/refused credential, a refusal,
# an unknown path or method, a body over INSET_MAX_REQUEST_BYTES, invalid fields, and
# refusals beyond a rate limit (queries, or repeated authentication failures from one IP).
COMMON_ERRORS: dict[int | str, dict[str, Any]] = {
    400: _error("Malformed request."),
    401: _error("Missing, unknown, expired or revoked credential."),
    403: _error("The credential does not allow this."),
    404: _error("Not found."),
    405: _error("Method not allowed."),
    409: _error("Conflicts with the current state."),
    413: _error("Request body larger than INSET_MAX_REQUEST_BYTES."),
    422: _error("Invalid field; `field` names it."),
    429: _error("Rate limited; see Retry-After."),
}

RESOURCE_ERRORS: dict[int | str, dict[str, Any]] = {
    502: _error("A resource (database or API) failed."),
    504: _error("A resource did not answer within INSET_QUERY_TIMEOUT_SECONDS."),
}


def streamed(*media_types: str) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a 200 streamed as one of ``media_types`` (text, not JSON)."""
    content = {media: {"schema": {"type": "string"}} for media in media_types}
    return {200: {"description": "Streamed.", "content": content}}


UNSUPPORTED_MEDIA: dict[int | str, dict[str, Any]] = {
    415: _error("Content-Type is not one this operation accepts."),
}


# A database row id in a path: a 64-bit integer (larger ones would overflow the driver: 422).
RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]
