"""The one error shape: ``{"error": {"code", "message", "field"?, "details"?}}``."""

from __future__ import annotations

from typing import Any


class InsetError(Exception):
    """An error with an HTTP status and a stable machine-readable code."""

    status_code = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        field: str | None = None,
        status_code: int | None = None,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status_code is not None:
            self.status_code = status_code
        self.field = field
        self.details = details
        self.headers = headers  # extra response headers, e.g. Retry-After

    def to_body(self) -> dict[str, Any]:
        """The JSON response body for this error."""
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field is not None:
            error["field"] = self.field
        if self.details is not None:
            error["details"] = self.details
        return {"error": error}


class BadRequest(InsetError):
    status_code = 400
    code = "bad_request"


class ValidationFailed(InsetError):
    status_code = 422
    code = "validation_error"


class Unauthorized(InsetError):
    status_code = 401
    code = "unauthorized"


class Forbidden(InsetError):
    status_code = 403
    code = "forbidden"


class NotFound(InsetError):
    status_code = 404
    code = "not_found"


class Conflict(InsetError):
    status_code = 409
    code = "conflict"


class Gone(InsetError):
    status_code = 410
    code = "gone"


class TooManyRequests(InsetError):
    status_code = 429
    code = "rate_limited"


class UpstreamError(InsetError):
    """A resource (database or API) failed; the message never carries driver internals."""

    status_code = 502
    code = "resource_error"


class DatabaseUnavailable(InsetError):
    """The metadata database cannot be reached right now; the request may be retried."""

    status_code = 503
    code = "database_unavailable"
