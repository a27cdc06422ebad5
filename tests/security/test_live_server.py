"""Hostile input against a real `inset serve` (uvicorn + h11 on a real socket): secrets
never reach the log or the audit export, huge request heads are refused, slow bodies are
cut by the server's timeout while other requests carry on. JSON logs: one object a line."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import psycopg
import pytest

from inset.auth import service as auth
from inset.db import Database
from inset.resources.service import add_resource
from tests.conftest import PG_ADMIN_DSN
from tests.factories import World, bearer, embed_body, make_world
from tests.security.helpers import BOOT, bundle_with_query
from tests.support.live import LiveServer, free_port, running_server, server_env

BODY_TIMEOUT = 2
RESOURCE_PASSWORD = "Res0urce-Pa55word-" + uuid.uuid4().hex[:8]


@dataclass
class Target:
    server: LiveServer
    world: World
    port: int


@pytest.fixture(scope="module")
async def target(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Target]:
    root = tmp_path_factory.mktemp("live")
    port = free_port()
    env = server_env(
        root,
        f"http://127.0.0.1:{port}",
        {
            "INSET_LOG_LEVEL": "debug",
            "INSET_LOG_FORMAT": "json",
            "INSET_BODY_TIMEOUT_SECONDS": str(BODY_TIMEOUT),
            # The world is seeded from this process: tokens are HMACs under this key.
            "INSET_SECRET_KEY": os.environ["INSET_SECRET_KEY"],
        },
    )
    warehouse = f"inset_live_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{warehouse}"')  # type: ignore[arg-type]
    dsn = f"postgresql://postgres:{RESOURCE_PASSWORD}@127.0.0.1:5432/{warehouse}"
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("CREATE TABLE stock (sku text, supplier_id int, quantity int)")
            conn.execute("INSERT INTO stock VALUES ('A-1', 1, 5), ('B-2', 2, 7)")
        with running_server(root, env=env, port=port) as server:
            database = Database(f"sqlite+aiosqlite:///{root / 'inset.db'}")
            world = await make_world(database, bundle_with_query())
            async with database.session() as session:
                await add_resource(session, "warehouse", "postgres", dsn)
                world.tokens["audit"] = (await auth.create_token(session, "a", ["admin"])).secret
            await database.dispose()
            yield Target(server, world, port)
    finally:
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{warehouse}" WITH (FORCE)')  # type: ignore[arg-type]


def test_secrets_never_reach_the_log_or_the_audit_export(target: Target) -> None:
    world, base = target.world, target.server.url
    with httpx.Client(base_url=base, timeout=30) as http:
        minted = http.post(
            "/api/embed-url/external-user",
            json=embed_body(world),
            headers=bearer(world.tokens["embed"]),
        )
        assert minted.status_code == 200, minted.text
        url = minted.json()["embedUrl"]
        nonce = url.rsplit("/", 1)[1]
        page = http.get(url)
        match = BOOT.search(page.text)
        assert page.status_code == 200 and match, page.text
        session_secret = json.loads(match.group(1))["sessionToken"]
        run = http.post(
            "/api/runtime/queries/inventory/run",
            json={"params": {"search": "A"}},
            headers=bearer(session_secret),
        )
        assert run.status_code == 200, run.text
        assert run.json()["rows"] == [{"sku": "A-1", "quantity": 5}] or run.json()["rows"]
        # Refusals are logged and audited too: with the secrets as the wrong credential.
        assert http.get(url).status_code == 410  # replayed nonce
        http.get("/api/v1/tokens", headers=bearer(session_secret))
        http.get("/api/runtime/app", headers=bearer(world.tokens["embed"]))
        export = http.get("/api/v1/audit-events/export", headers=bearer(world.tokens["audit"]))
        assert export.status_code == 200 and "query.run" in export.text
    secrets = {
        "nonce": nonce,
        "embed token": world.tokens["embed"],
        "admin token": world.tokens["audit"],
        "session secret": session_secret,
        "resource password": RESOURCE_PASSWORD,
    }
    time.sleep(0.5)  # let the server flush its last lines
    log = target.server.log()
    for what, secret in secrets.items():
        assert secret not in log, f"the {what} is in the server log"
        assert secret not in export.text, f"the {what} is in the audit export"
    # INSET_LOG_FORMAT=json: every log line is one JSON object (the CLI's banner aside),
    # and each request has a line with its id, route template, status and duration.
    records = [
        json.loads(line)
        for line in log.splitlines()
        if line.strip() and not line.startswith(("Inset listening", "warning:"))
    ]
    requests = [r for r in records if r.get("event") == "http_request"]
    runs = [r for r in requests if r["route"] == "/api/runtime/queries/{name}/run"]
    assert runs and runs[0]["status"] == 200 and runs[0]["method"] == "POST"
    assert len(runs[0]["request_id"]) == 32 and runs[0]["duration_ms"] >= 0
    assert any(r["route"] == "/embed/r/{nonce}" and r["status"] == 410 for r in requests)


def _raw(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
            if b"\r\n\r\n" in b"".join(chunks):
                break
        return b"".join(chunks)


@pytest.mark.parametrize(
    "head",
    [
        b"X-Big: " + b"a" * 200_000 + b"\r\n",
        b"".join(b"X-Many-%d: v\r\n" % i for i in range(10_000)),
    ],
    ids=["huge-header", "many-headers"],
)
def test_oversized_request_heads_are_refused(target: Target, head: bytes) -> None:
    answer = _raw(target.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + head + b"\r\n")
    status = int(answer.split(b" ", 2)[1])
    assert 400 <= status < 500, answer[:200]
    assert httpx.get(f"{target.server.url}/healthz").status_code == 200  # still serving


def test_slow_body_is_cut_by_the_timeout_and_others_carry_on(target: Target) -> None:
    body = json.dumps({"name": "slowloris-group"}).encode()
    head = (
        b"POST /api/v1/groups HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Authorization: Bearer " + target.world.tokens["admin"].encode() + b"\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body)
    )
    answer: list[bytes] = []
    answered = threading.Event()
    sock = socket.create_connection(("127.0.0.1", target.port), timeout=60)

    def trickle() -> None:  # one byte a second, far slower than the body timeout allows
        try:
            sock.sendall(head)
            for byte in body:
                if answered.wait(1):  # answered: stop writing into a socket being closed
                    return
                sock.sendall(bytes([byte]))
        except OSError:
            pass  # the server closed the connection

    sender = threading.Thread(target=trickle)
    sender.start()
    try:
        # While the slow body trickles in, other requests are served.
        time.sleep(0.5)
        assert httpx.get(f"{target.server.url}/healthz").status_code == 200
        try:
            while chunk := sock.recv(65536):
                answer.append(chunk)
                answered.set()
        except ConnectionResetError:
            # The server closed after its 408; a byte trickled in after that is answered
            # with a reset, which may arrive before the FIN is read. The answer is checked.
            pass
    finally:
        answered.set()
        sender.join()
        sock.close()
    text = b"".join(answer).decode(errors="replace")
    assert text.startswith("HTTP/1.1 408"), text
    assert json.loads(text.split("\r\n\r\n", 1)[1])["error"]["code"] == "body_timeout"
    # Closed by the server before the body was complete (recv returned b"" or a reset).
    with httpx.Client(base_url=target.server.url) as http:
        groups = http.get("/api/v1/groups", headers=bearer(target.world.tokens["admin"]))
    assert "slowloris-group" not in groups.text
