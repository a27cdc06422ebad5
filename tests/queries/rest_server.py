"""A real local HTTP server for REST-query tests: a raw ASGI app under uvicorn, in a
thread, on 127.0.0.1 and a free port. It records every request it gets."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import uvicorn

Scope = dict[str, Any]


@dataclass
class Hit:
    method: str
    raw_path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes


@dataclass
class LocalServer:
    port: int
    hits: list[Hit] = field(default_factory=list)
    redirect_to: str = "http://localhost:1/"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_app(server: LocalServer) -> Any:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        raw_path = scope["raw_path"].decode("latin-1")
        hit = Hit(
            scope["method"],
            raw_path,
            parse_qsl(scope["query_string"].decode(), keep_blank_values=True),
            {k.decode(): v.decode() for k, v in scope["headers"]},
            body,
        )
        server.hits.append(hit)
        status, headers, payload = 200, [(b"content-type", b"application/json")], b""
        path = scope["path"]
        if path == "/api/v1/items":
            items = [{"id": i, "name": f"item {i}", "big": 2**60} for i in range(5)]
            payload = json.dumps(items).encode()
        elif path == "/api/v1/scalar":
            payload = b'{"total": 3, "ok": true}'
        elif path == "/api/v1/text":
            headers = [(b"content-type", b"text/plain")]
            payload = b"plain text"
        elif path == "/api/v1/redirect":
            status, headers = 302, [(b"location", server.redirect_to.encode())]
        elif path == "/api/v1/big":
            payload = json.dumps([{"x": "y" * 1000} for _ in range(2000)]).encode()
        elif path == "/api/v1/slow":
            await asyncio.sleep(3)
            payload = b"[]"
        elif path == "/api/v1/fail":
            status, payload = 500, b'{"error": "internal: db password is hunter2"}'
        elif path.startswith("/api/v1/"):
            echo = {
                "method": hit.method,
                "rawPath": raw_path,
                "query": hit.query,
                "body": json.loads(body) if body else None,
                "host": hit.headers.get("host"),
                "auth": hit.headers.get("authorization"),
            }
            payload = json.dumps(echo).encode()
        else:  # outside the resource's base path: must never be reached
            status, payload = 418, b'{"secret": "outside"}'
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    return app


@contextmanager
def serve() -> Iterator[LocalServer]:
    server = LocalServer(_free_port())
    config = uvicorn.Config(
        make_app(server), host="127.0.0.1", port=server.port, log_level="error", lifespan="on"
    )
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not uv.started:
        if time.monotonic() > deadline:
            raise RuntimeError("local REST server did not start")
        time.sleep(0.01)
    try:
        yield server
    finally:
        uv.should_exit = True
        thread.join(timeout=10)
