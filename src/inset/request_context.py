"""Per-request context and the headers every answer carries (pure ASGI middleware).

* A request id: the client's ``X-Request-Id`` (first 64 characters) or a new one; it is
  in ``request.state.request_id``, in every log line of the request and in the answer.
* A ``Content-Length`` over INSET_MAX_REQUEST_BYTES gets 413 before the route runs
  (except on ``exempt`` routes, which size their own limit).
* Security headers: ``nosniff``, ``Referrer-Policy: no-referrer``, COOP ``same-origin``
  and, unless the route set its own CSP (pages meant for an iframe do, with their
  ``frame-ancestors``), a strict CSP that may not be framed plus ``X-Frame-Options: DENY``.

Pure ASGI rather than ``@app.middleware("http")``: Starlette's BaseHTTPMiddleware runs the
route in another task and streams its answer through a memory channel, which costs a
noticeable share of a short request.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable

import structlog
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class RequestContextMiddleware:
    """Request id, early 413 on a declared oversized body, security headers."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        exempt: re.Pattern[str],
        content_security_policy: Callable[[list[str] | None], str],
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.exempt = exempt
        self.default_csp = content_security_policy(None)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_headers = Headers(scope=scope)
        request_id = request_headers.get("x-request-id", "")[:64] or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Request-Id"] = request_id
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "no-referrer")
                if "content-security-policy" not in headers:
                    headers["Content-Security-Policy"] = self.default_csp
                    headers["X-Frame-Options"] = "DENY"
                headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
            await send(message)

        length = request_headers.get("content-length")
        too_large = (
            length is not None
            and (not length.isdigit() or int(length) > self.max_bytes)
            and not self.exempt.match(scope.get("path", ""))
        )
        structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            if too_large:
                await _send_too_large(send_with_headers)
            else:
                await self.app(scope, receive, send_with_headers)
        finally:
            structlog.contextvars.unbind_contextvars("request_id")


async def _send_too_large(send: Send) -> None:
    body = json.dumps(
        {"error": {"code": "payload_too_large", "message": "Request body is too large."}}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
