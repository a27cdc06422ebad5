"""Bounds on request bodies, enforced while they arrive (ASGI middleware).

* Time: uvicorn closes idle keep-alive connections and h11 bounds the request head, but
  nothing bounds how long a body may take: a client sending one byte per second would hold
  a connection and a request task for as long as it likes (slowloris). The whole body must
  arrive within INSET_BODY_TIMEOUT_SECONDS of the request's start; past that the client
  gets 408 ``body_timeout`` and the connection is closed (``Connection: close``).
* Size: app.py refuses a Content-Length over INSET_MAX_REQUEST_BYTES up front; a chunked
  body has none, so its bytes are counted here: 413 ``payload_too_large`` once over.
  Routes that size their own limit (``exempt``) count for themselves.

The refusal is sent from here, and the application then sees the client as disconnected
(its own answer, if any, is dropped): this works whatever the middleware around the route
does with exceptions.
"""

from __future__ import annotations

import asyncio
import json
import re

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyGuardMiddleware:
    """Time and size limits on each HTTP request body."""

    def __init__(
        self, app: ASGIApp, seconds: float, max_bytes: int, exempt: re.Pattern[str]
    ) -> None:
        self.app = app
        self.seconds = seconds
        self.max_bytes = max_bytes
        self.exempt = exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.seconds
        count_bytes = not self.exempt.match(scope.get("path", ""))
        received = 0
        body_done = False
        started = False
        refused = False

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return  # our refusal went out; the application's answer is dropped
            started = started or message["type"] == "http.response.start"
            await send(message)

        async def refuse(status: int, code: str, text: str) -> Message:
            nonlocal refused, body_done
            if not started:
                body = json.dumps({"error": {"code": code, "message": text}}).encode()
                headers = [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                    (b"x-content-type-options", b"nosniff"),
                ]
                await send({"type": "http.response.start", "status": status, "headers": headers})
                await send({"type": "http.response.body", "body": body})
            refused = body_done = True
            return {"type": "http.disconnect"}

        async def guarded_receive() -> Message:
            nonlocal body_done, received
            if body_done:  # afterwards: waiting for http.disconnect is not bounded
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - loop.time()))
            except TimeoutError:
                return await refuse(
                    408,
                    "body_timeout",
                    f"The request body did not arrive within {self.seconds:g} s.",
                )
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if count_bytes and received > self.max_bytes:
                    return await refuse(
                        413,
                        "payload_too_large",
                        f"The request body is larger than {self.max_bytes} bytes "
                        "(INSET_MAX_REQUEST_BYTES).",
                    )
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_done = True
            return message

        try:
            await self.app(scope, guarded_receive, guarded_send)
        except ClientDisconnect:
            if not refused:
                raise
            # The application read on after our refusal and found the client gone: the
            # refusal is the answer, nothing went wrong.
