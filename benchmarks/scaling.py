"""Benchmark: throughput with 1, 2 and 4 ``inset serve`` processes on one PostgreSQL.

Inset scales out by running more stateless server processes on one metadata database.
This starts N ``inset serve`` processes (one worker each, each on its own port, like N
containers behind a load balancer), all on one fresh PostgreSQL metadata database
``inset_bench_<random>`` (dropped at the end), and drives them with a round-robin client
(request i goes to process i mod N) at a fixed concurrency, after an unmeasured warm-up at
that concurrency (so every process has opened its pool connections), for two paths:

* ``mint_redeem``: POST /api/embed-url/external-user, then GET of the single-use URL
  (the app page): metadata writes (grant, session, audit events);
* ``query``: POST /api/runtime/queries/items_postgres/run: 100 rows from a PostgreSQL
  resource, as an embed session (one session per client worker);

plus ``healthz`` (no database) as the baseline of what the machine can do at all. The
data is seeded through the CLI, as in query_overhead.py (same app and 100-row table).
``speedup`` divides each N's rps by the 1-process rps. On a machine with C cores, the
client and the servers share them: expect growth up to about C processes, not beyond.

    .venv/bin/python benchmarks/scaling.py [--processes 1,2,4] [--requests 400]
                                           [--concurrency 16]

Prints ONE JSON document on stdout (progress on stderr). Only processes this script
starts are stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from embed_mint import (
    HOST,
    Request,
    backend_env,
    failure,
    free_port,
    inset,
    log,
    measure,
    postgres_backend,
    serve,
)
from query_overhead import (
    APP_UUID,
    APP_YAML,
    ORIGIN,
    PAGE_YAML,
    make_postgres,
    make_sqlite,
    mint_sessions,
)
from run_all import machine

from inset import __version__

PATHS = ("healthz", "mint_redeem", "query")


def seed(env: dict[str, str], root: Path, pg_dsn: str) -> str:
    """The query_overhead app and resources, through the CLI; an embed token."""
    make_postgres(pg_dsn)
    sqlite_path = root / "items.db"
    make_sqlite(sqlite_path)
    inset(env, "db", "upgrade")
    inset(env, "groups", "create", "bench")
    inset(env, "resources", "add", "bench_sqlite", "--type", "sqlite", "--url", str(sqlite_path))
    inset(env, "resources", "add", "bench_pg", "--type", "postgres", "--url", pg_dsn)
    app = root / "apps" / "bench"
    (app / "pages").mkdir(parents=True)
    (app / "app.yaml").write_text(APP_YAML)
    (app / "pages" / "main.yaml").write_text(PAGE_YAML)
    inset(env, "deploy", str(root / "apps"))
    return inset(env, "tokens", "create", "--name", "bench", "--scope", "embed")


def requests_for(bases: list[str], token: str, sessions: list[str]) -> dict[str, Request]:
    """One request function per path; request i goes to process i mod N."""

    def base(i: int) -> str:
        return bases[i % len(bases)]

    async def healthz(client: httpx.AsyncClient, i: int) -> str | None:
        return failure(await client.get(f"{base(i)}/healthz"), "healthz")

    async def mint_redeem(client: httpx.AsyncClient, i: int) -> str | None:
        response = await client.post(
            f"{base(i)}/api/embed-url/external-user",
            json={
                "landingPageUuid": APP_UUID,
                "groupIds": ["bench"],
                "externalIdentifier": f"bench-user-{i % 100}",
                "parentOrigin": ORIGIN,
            },
            headers={"Authorization": f"Bearer {token}"},
        )
        if response.status_code != 200:
            return failure(response, "mint")
        return failure(await client.get(response.json()["embedUrl"]), "redeem")

    async def query(client: httpx.AsyncClient, i: int) -> str | None:
        response = await client.post(
            f"{base(i)}/api/runtime/queries/items_postgres/run",
            json={"params": {}},
            headers={"Authorization": f"Bearer {sessions[i % len(sessions)]}"},
        )
        return failure(response, "query")

    return {"healthz": healthz, "mint_redeem": mint_redeem, "query": query}


def run(args: argparse.Namespace, root: Path) -> dict[str, Any]:
    results: dict[str, dict[str, Any]] = {path: {} for path in PATHS}
    with postgres_backend(root) as backend:
        env = backend_env(backend, free_port())
        env["INSET_QUERY_RATE_LIMIT"] = "100000000/minute"  # the limiter runs, never refuses
        env["INSET_QUERY_MAX_CONCURRENT_PER_SESSION"] = "0"
        pg_dsn = backend.database_url.replace("postgresql+psycopg://", "postgresql://")
        log("seeding through the CLI")
        token = seed(env, root, pg_dsn)
        for count in args.processes:
            with ExitStack() as stack:
                bases = []
                for index in range(count):
                    port = free_port()
                    process_env = dict(env, INSET_PUBLIC_URL=f"http://{HOST}:{port}")
                    log_path = root / f"server-{count}-{index}.log"
                    stack.enter_context(serve(process_env, port, log_path))
                    bases.append(f"http://{HOST}:{port}")
                sessions = mint_sessions(bases[0], token, args.concurrency)
                paths = requests_for(bases, token, sessions)
                for path in PATHS:
                    log(f"{count} process(es): {path} x{args.requests} at {args.concurrency}")
                    # Unmeasured, at full concurrency: every process opens its pools'
                    # connections now, not during the measurement.
                    warm = max(args.warmup, 2 * args.concurrency * count)
                    asyncio.run(measure(paths[path], warm, args.concurrency, 0))
                    results[path][str(count)] = asyncio.run(
                        measure(paths[path], args.requests, args.concurrency, 0)
                    )
    for cells in results.values():
        single = cells.get("1", {}).get("rps")
        for cell in cells.values():
            cell["speedup"] = round(cell["rps"] / single, 2) if single else None
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", default="1,2,4", help="comma-separated, e.g. 1,2,4")
    parser.add_argument("--requests", type=int, default=400, help="requests per cell")
    parser.add_argument("--warmup", type=int, default=40, help="unmeasured requests first")
    parser.add_argument("--concurrency", type=int, default=16, help="client workers")
    args = parser.parse_args()
    args.processes = [int(p) for p in args.processes.split(",") if p.strip()]
    if not args.processes or min(args.processes) < 1 or args.requests < 1:
        parser.error("bad --processes or --requests")
    root = Path(tempfile.mkdtemp(prefix="inset-scale-"))
    try:
        results = run(args, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    document = {
        "benchmark": "scaling",
        "inset_version": __version__,
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": {
            "processes": args.processes,
            "requests_per_cell": args.requests,
            "warmup": args.warmup,
            "concurrency": args.concurrency,
            "server": "N x inset serve (1 worker each, own port), one PostgreSQL metadata DB, "
            "round-robin client on 127.0.0.1",
        },
        "results": results,
    }
    print(json.dumps(document, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
