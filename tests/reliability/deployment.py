"""A real deployment for the reliability tests: a fresh PostgreSQL metadata database seeded
through the ``inset`` CLI (a group, PostgreSQL and MariaDB resources, an app, tokens), and
``inset serve`` processes on free ports that share it.

The app's queries run on the metadata database itself (``SELECT 1``, ``pg_sleep``), so one
``DROP DATABASE … WITH (FORCE)`` cleans everything up. Two more resources point at ports
where nothing listens: a PostgreSQL and a MariaDB that are down.
"""

from __future__ import annotations

import json
import re
import secrets
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from tests.conftest import PG_ADMIN_DSN, RUN_ID
from tests.support.live import free_port, run_cli, server_env, start_server

APP_UUID = "3c2f6a1e-9b7d-4e52-8a31-6d0c5e4f7b21"
ORIGIN = "http://127.0.0.1:8701"
QUERY_TIMEOUT_SECONDS = 8.0
STOP_TIMEOUT = 60.0  # a bound for a hung process, not a timing check

APP_YAML = """\
uuid: {uuid}
name: Reliability test
access:
  - {{group: suppliers, level: use}}
embed:
  parentOrigins: ["{origin}"]
pages: [main]
queries:
  one:
    resource: pg
    sql: SELECT 1 AS one, {{{{ current_user.externalIdentifier }}}} AS who
  sleep:
    resource: pg
    sql: SELECT pg_sleep({{{{ seconds }}}})::text AS slept
    params:
      seconds: {{type: number, min: 0, max: 60}}
  down_pg:
    resource: down_pg
    sql: SELECT 1 AS one
  down_my:
    resource: down_my
    sql: SELECT 1 AS one
"""

PAGE_YAML = """\
title: Main
components:
  - {id: t, type: table, data: "{{ queries.one.data }}"}
"""


def pg_admin(sql: str) -> None:
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql)


def pg_dsn(dbname: str, port: int = 5432) -> str:
    return f"postgresql://postgres@127.0.0.1:{port}/{dbname}"


@dataclass
class Deployment:
    """One seeded metadata database and the ``inset serve`` processes started on it."""

    root: Path
    dbname: str
    env: dict[str, str]
    embed_token: str = ""
    admin_token: str = ""
    down_pg_url: str = ""
    down_my_url: str = ""
    servers: list[Server] = field(default_factory=list)

    def start(self, *, database_port: int = 5432, **extra_env: str) -> Server:
        """``inset serve`` on a free port (metadata through ``database_port``)."""
        port = free_port()
        extra_env.update(
            INSET_DATABASE_URL=(
                f"postgresql+psycopg://postgres@127.0.0.1:{database_port}/{self.dbname}"
            ),
            INSET_PUBLIC_URL=f"http://127.0.0.1:{port}",
        )
        live = start_server(
            self.root,
            env=self.env,
            port=port,
            env_extra=extra_env,
            log_name=f"server-{port}.log",
            migrate=False,
        )
        server = Server(live.url, live.process, live.log_path, self)
        self.servers.append(server)
        return server

    def cli(self, *args: str) -> str:
        return run_cli(self.env, *args)

    def audit_request_ids(self) -> dict[str, tuple[int | None, str]]:
        """request_id -> (seq, type) of every audit event that has a request id."""
        with psycopg.connect(pg_dsn(self.dbname), autocommit=True) as conn:
            rows = conn.execute(
                "SELECT request_id, seq, type FROM audit_events WHERE request_id IS NOT NULL"
            ).fetchall()
        return {str(r[0]): (r[1], str(r[2])) for r in rows}

    def audit_seqs(self) -> list[int | None]:
        """The seq of every audit event, in seq order (unchained ones last, as None)."""
        with psycopg.connect(pg_dsn(self.dbname), autocommit=True) as conn:
            rows = conn.execute("SELECT seq FROM audit_events ORDER BY seq NULLS LAST").fetchall()
        return [r[0] for r in rows]


@dataclass
class Server:
    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    deployment: Deployment

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Send ``sig`` to this process (SIGTERM: a graceful stop) and wait; its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        return self.process.returncode

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    # ---- embed, as a host backend and the iframe would do it

    def mint(self, external_id: str = "user-1", **extra: Any) -> str:
        response = self.mint_response(external_id, **extra)
        assert response.status_code == 200, response.text
        url: str = response.json()["embedUrl"]
        return url

    def mint_response(self, external_id: str, **extra: Any) -> httpx.Response:
        body: dict[str, Any] = {
            "landingPageUuid": APP_UUID,
            "groupIds": ["suppliers"],
            "externalIdentifier": external_id,
            "parentOrigin": ORIGIN,
        }
        headers = {"Authorization": f"Bearer {self.deployment.embed_token}"}
        headers.update(extra.pop("headers", {}))
        body.update(extra)
        return httpx.post(
            f"{self.base_url}/api/embed-url/external-user", json=body, headers=headers, timeout=30
        )

    def session(self, external_id: str = "user-1") -> str:
        """A fresh embed session's secret (minted and redeemed on this process)."""
        page = httpx.get(self.mint(external_id), timeout=30)
        assert page.status_code == 200, page.text
        return session_secret(page.text)

    def run_query(
        self, session: str, name: str, params: dict[str, Any] | None = None, **kwargs: Any
    ) -> httpx.Response:
        return httpx.post(
            f"{self.base_url}/api/runtime/queries/{name}/run",
            json={"params": params or {}},
            headers={"Authorization": f"Bearer {session}", **kwargs.pop("headers", {})},
            timeout=kwargs.pop("timeout", 60),
        )

    def revoke(self, external_id: str) -> int:
        response = httpx.post(
            f"{self.base_url}/api/v1/external-users/{external_id}/revoke-sessions",
            headers={"Authorization": f"Bearer {self.deployment.admin_token}"},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        revoked: int = response.json()["revoked"]
        return revoked


def session_secret(page_html: str) -> str:
    boot = re.search(r'id="inset-boot">(.*?)</script>', page_html, re.DOTALL)
    assert boot is not None, "no boot block in the app page"
    secret: str = json.loads(boot.group(1))["sessionToken"]
    return secret


def on_port(url: str, base_url: str) -> str:
    """``url`` (an embed URL) pointed at another process's ``base_url``."""
    path = url.split("/", 3)[3]
    return f"{base_url}/{path}"


@contextmanager
def deployment(root: Path) -> Iterator[Deployment]:
    """A fresh PostgreSQL metadata database, seeded through the CLI; dropped at the end
    after every server started on it is stopped."""
    dbname = f"inset_rel_{RUN_ID}_{secrets.token_hex(4)}"
    pg_admin(f'CREATE DATABASE "{dbname}"')
    env = server_env(
        root,
        "http://127.0.0.1:8700",
        {
            "INSET_DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:5432/{dbname}",
            "INSET_QUERY_RATE_LIMIT": "",
            "INSET_QUERY_MAX_CONCURRENT_PER_SESSION": "0",
            "INSET_QUERY_TIMEOUT_SECONDS": str(QUERY_TIMEOUT_SECONDS),
        },
    )
    deployed = Deployment(root=root, dbname=dbname, env=env)
    try:
        _seed(deployed)
        yield deployed
    finally:
        for server in deployed.servers:
            if server.process.poll() is None:
                server.stop(signal.SIGKILL)
        pg_admin(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def _seed(d: Deployment) -> None:
    d.down_pg_url = pg_dsn("nothing_here", free_port())
    d.down_my_url = f"mysql://root:not-shown-{secrets.token_hex(4)}@127.0.0.1:{free_port()}/x"
    app_dir = d.root / "apps" / "reliability"
    (app_dir / "pages").mkdir(parents=True)
    (app_dir / "app.yaml").write_text(APP_YAML.format(uuid=APP_UUID, origin=ORIGIN))
    (app_dir / "pages" / "main.yaml").write_text(PAGE_YAML)
    d.cli("db", "upgrade")
    d.cli("groups", "create", "suppliers")
    d.cli("resources", "add", "pg", "--type", "postgres", "--url", pg_dsn(d.dbname))
    d.cli("resources", "add", "down_pg", "--type", "postgres", "--url", d.down_pg_url)
    d.cli("resources", "add", "down_my", "--type", "mysql", "--url", d.down_my_url)
    d.cli("deploy", str(app_dir))
    d.embed_token = d.cli("tokens", "create", "--name", "rel-embed", "--scope", "embed")
    d.admin_token = d.cli("tokens", "create", "--name", "rel-admin", "--scope", "admin")


def wait_for(predicate: Any, what: str, timeout: float = 30.0) -> None:
    """Poll ``predicate()`` until it is true (a bound for a hung test, not a timing check)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.05)
