"""Benchmark: what Inset adds to a query, compared with the raw driver in the same run.

The same ``SELECT`` returning 100 rows (4 columns: integer, text, numeric, timestamp)
is run

* ``inset``: through ``POST /api/runtime/queries/{name}/run`` on a real ``inset serve``
  subprocess (one worker, 127.0.0.1, SQLite metadata database), seeded through the CLI
  (``inset resources add``, ``inset deploy``, ``inset tokens create``), with embed sessions
  minted and redeemed over HTTP (one session, i.e. one user, per client worker);
* ``raw``: in this process with the driver alone — aiosqlite on one open connection per
  worker, psycopg (async) on one open connection per worker — fetching all rows;

at concurrency 1 and 16, on a SQLite and a PostgreSQL resource. ``healthz`` (GET
/healthz: HTTP + framework, no database) is measured too, so that HTTP's own share of the
added time is visible. The ``audit`` cell is the same route in this process (ASGI, SQLite
metadata) alternating requests with the ``query.run`` audit event and without it (see
``audit_export.py --query-route``): what auditing adds to the query path's p50. The result
is ONE JSON document on stdout (progress on stderr)::

    .venv/bin/python benchmarks/query_overhead.py [--requests 400] [--concurrency 1,16]
                                                  [--audit-requests 200]

The rate limit is set to a very high value (the limiter still runs); PostgreSQL is
127.0.0.1:5432 (user postgres, no password; INSET_BENCH_PG overrides the admin DSN), in a
fresh database dropped at the end. Only processes this script starts are stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite
import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from embed_mint import (
    HOST,
    Backend,
    backend_env,
    free_port,
    inset,
    log,
    percentile,
    serve,
)

from inset import __version__

PG_ADMIN_DSN = os.environ.get("INSET_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
APP_UUID = "0b6f3a52-5d1e-4c0e-9f7a-3c1d2e4f5a60"
ORIGIN = "http://127.0.0.1:8701"
SQL = "SELECT id, name, price, created FROM items ORDER BY id"
ROWS = 100

APP_YAML = f"""\
uuid: {APP_UUID}
name: Query overhead bench
access:
  - {{group: bench, level: use}}
embed:
  parentOrigins: ["{ORIGIN}"]
pages: [main]
queries:
  items_sqlite:
    resource: bench_sqlite
    sql: {SQL}
  items_postgres:
    resource: bench_pg
    sql: {SQL}
"""
PAGE_YAML = """\
title: Main
components:
  - {id: t, type: table, data: "{{ queries.items_sqlite.data }}"}
"""


def make_sqlite(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, price TEXT, created TEXT)")
    conn.executemany(
        "INSERT INTO items VALUES (?, ?, ?, ?)",
        [(i, f"item {i}", f"{i}.50", f"2024-01-{i % 28 + 1:02d}T10:00:00") for i in range(ROWS)],
    )
    conn.commit()
    conn.close()


def make_postgres(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE items (id int PRIMARY KEY, name text, price numeric(10,2), "
            "created timestamptz)"
        )
        conn.execute(
            "INSERT INTO items SELECT i, 'item ' || i, i + 0.5, "
            "timestamptz '2024-01-01' + i * interval '1 hour' FROM generate_series(0, 99) i"
        )


Request = Callable[[httpx.AsyncClient, int, int], Awaitable[str | None]]


async def measure_http(
    request: Request, requests: int, concurrency: int, warmup: int
) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        for i in range(warmup):
            await request(client, 0, i)
        latencies: list[float] = []
        errors: Counter[str] = Counter()
        counter = iter(range(requests))

        async def worker(w: int) -> None:
            for i in counter:
                start = time.perf_counter()
                try:
                    problem = await request(client, w, i)
                except httpx.HTTPError as exc:
                    problem = type(exc).__name__
                latencies.append((time.perf_counter() - start) * 1000)
                if problem is not None:
                    errors[problem] += 1

        await asyncio.gather(*(worker(w) for w in range(concurrency)))
    return summary(latencies, dict(errors))


def summary(latencies: list[float], errors: dict[str, int] | None = None) -> dict[str, Any]:
    latencies.sort()
    return {
        "requests": len(latencies),
        "p50_ms": round(percentile(latencies, 0.50), 3),
        "p95_ms": round(percentile(latencies, 0.95), 3),
        "errors": sum((errors or {}).values()),
        "error_kinds": errors or {},
    }


async def measure_raw(
    kind: str, target: str, requests: int, concurrency: int, warmup: int
) -> dict[str, Any]:
    """The driver alone: one open connection per worker, execute + fetch all rows."""
    latencies: list[float] = []
    counter = iter(range(requests))

    async def worker() -> None:
        if kind == "sqlite":
            async with aiosqlite.connect(target) as conn:
                for _ in range(warmup // concurrency + 1):
                    await (await conn.execute(SQL)).fetchall()
                for _ in counter:
                    start = time.perf_counter()
                    cursor = await conn.execute(SQL)
                    rows = await cursor.fetchall()
                    await cursor.close()
                    latencies.append((time.perf_counter() - start) * 1000)
                    assert len(rows) == ROWS
        else:
            async with await psycopg.AsyncConnection.connect(target, autocommit=True) as conn:
                for _ in range(warmup // concurrency + 1):
                    await (await conn.execute(SQL)).fetchall()
                for _ in counter:
                    start = time.perf_counter()
                    rows = await (await conn.execute(SQL)).fetchall()
                    latencies.append((time.perf_counter() - start) * 1000)
                    assert len(rows) == ROWS

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return summary(latencies)


def mint_sessions(base: str, token: str, count: int) -> list[str]:
    """``count`` embed sessions (one user each), minted and redeemed over HTTP."""
    secrets_: list[str] = []
    with httpx.Client(timeout=30) as client:
        for i in range(count):
            response = client.post(
                f"{base}/api/embed-url/external-user",
                headers={"Authorization": f"Bearer {token}"},
                json={
                    "landingPageUuid": APP_UUID,
                    "groupIds": ["bench"],
                    "externalIdentifier": f"bench-user-{i}",
                    "parentOrigin": ORIGIN,
                },
            )
            response.raise_for_status()
            page = client.get(response.json()["embedUrl"])
            page.raise_for_status()
            boot = re.search(r'id="inset-boot">(.*?)</script>', page.text, re.DOTALL)
            if boot is None:
                raise RuntimeError("no boot block in the app page")
            secrets_.append(json.loads(boot.group(1))["sessionToken"])
    return secrets_


def run(args: argparse.Namespace, root: Path) -> dict[str, Any]:
    data_dir = root / "meta"
    data_dir.mkdir()
    backend = Backend("sqlite", f"sqlite+aiosqlite:///{data_dir / 'inset.db'}", data_dir)
    port = free_port()
    env = backend_env(backend, port)
    env["INSET_QUERY_RATE_LIMIT"] = "100000000/minute"  # measured, never reached
    env["INSET_LOG_LEVEL"] = "warning"
    sqlite_path = root / "items.db"
    make_sqlite(sqlite_path)
    pg_name = f"inset_bench_q_{secrets.token_hex(6)}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{pg_name}"')  # type: ignore[arg-type]
    pg_dsn = f"postgresql://postgres@{HOST}:5432/{pg_name}"
    try:
        make_postgres(pg_dsn)
        log("seeding through the CLI")
        inset(env, "db", "upgrade")
        inset(env, "groups", "create", "bench")
        inset(
            env, "resources", "add", "bench_sqlite", "--type", "sqlite", "--url", str(sqlite_path)
        )
        inset(env, "resources", "add", "bench_pg", "--type", "postgres", "--url", pg_dsn)
        app = root / "apps" / "bench"
        (app / "pages").mkdir(parents=True)
        (app / "app.yaml").write_text(APP_YAML)
        (app / "pages" / "main.yaml").write_text(PAGE_YAML)
        inset(env, "deploy", str(root / "apps"))
        token = inset(env, "tokens", "create", "--name", "bench", "--scope", "embed")
        results: dict[str, Any] = {}
        with serve(env, port, data_dir / "server.log"):
            base = f"http://{HOST}:{port}"
            sessions = mint_sessions(base, token, max(args.concurrency))

            async def healthz(client: httpx.AsyncClient, w: int, i: int) -> str | None:
                response = await client.get(f"{base}/healthz")
                return None if response.status_code == 200 else f"HTTP {response.status_code}"

            def runner(query: str) -> Request:
                async def call(client: httpx.AsyncClient, w: int, i: int) -> str | None:
                    response = await client.post(
                        f"{base}/api/runtime/queries/{query}/run",
                        json={"params": {}},
                        headers={"Authorization": f"Bearer {sessions[w]}"},
                    )
                    if response.status_code != 200:
                        return f"HTTP {response.status_code} {response.text[:80]}"
                    if response.json()["rowCount"] != ROWS:
                        return "wrong row count"
                    return None

                return call

            for c in args.concurrency:
                log(f"healthz at concurrency {c}")
                results.setdefault("healthz", {})[str(c)] = asyncio.run(
                    measure_http(healthz, args.requests, c, args.warmup)
                )
            for resource, query, raw_target in (
                ("sqlite", "items_sqlite", str(sqlite_path)),
                ("postgres", "items_postgres", pg_dsn),
            ):
                for c in args.concurrency:
                    log(f"{resource}: inset and raw at concurrency {c}")
                    via = asyncio.run(measure_http(runner(query), args.requests, c, args.warmup))
                    raw = asyncio.run(
                        measure_raw(resource, raw_target, args.requests, c, args.warmup)
                    )
                    added = via["p50_ms"] - raw["p50_ms"]
                    results.setdefault(resource, {})[str(c)] = {
                        "inset": via,
                        "raw": raw,
                        "ratio_p50": round(via["p50_ms"] / raw["p50_ms"], 2),
                        "added_ms_p50": round(added, 3),
                        "added_ms_p95": round(via["p95_ms"] - raw["p95_ms"], 3),
                        "added_ms_p50_beyond_healthz": round(
                            added - results["healthz"][str(c)]["p50_ms"], 3
                        ),
                    }
        return results
    finally:
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')  # type: ignore[arg-type]


def audit_cell(requests: int) -> dict[str, Any]:
    """The query route's p50 with and without its audit event, measured in process by
    ``audit_export.py --query-route`` in a fresh interpreter (this one holds the servers'
    and drivers' state of the cells before)."""
    script = Path(__file__).with_name("audit_export.py")
    command = [sys.executable, str(script), "--query-route", str(requests), "--backends", "sqlite"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=True)
    return {"metadata": "sqlite", **json.loads(done.stdout)["sqlite"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400, help="requests per cell")
    parser.add_argument("--warmup", type=int, default=30, help="unmeasured requests first")
    parser.add_argument("--concurrency", default="1,16", help="comma-separated, e.g. 1,16")
    parser.add_argument(
        "--audit-requests",
        type=int,
        default=200,
        help="requests each with and without the audit event (0: skip the audit cell)",
    )
    args = parser.parse_args()
    args.concurrency = [int(c) for c in args.concurrency.split(",") if c.strip()]
    if not args.concurrency or args.requests < 1:
        parser.error("bad --concurrency or --requests")
    root = Path(tempfile.mkdtemp(prefix="inset-qbench-"))
    try:
        results = run(args, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    if args.audit_requests > 0:
        log("audit on vs off (in process)")
        results["audit"] = audit_cell(args.audit_requests)
    document = {
        "benchmark": "query_overhead",
        "inset_version": __version__,
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "settings": {
            "requests_per_cell": args.requests,
            "warmup": args.warmup,
            "concurrency": args.concurrency,
            "query": SQL,
            "rows": ROWS,
            "server": "inset serve (1 worker, SQLite metadata) on 127.0.0.1; client here",
            "target_added_ms_p50": 1.5,
        },
        "results": results,
    }
    print(json.dumps(document, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
