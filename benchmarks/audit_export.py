"""Benchmark: exporting the audit log in bounded memory, and what recording costs.

**Export.** For each metadata backend (SQLite in a temporary folder; PostgreSQL in a fresh
database ``inset_bench_<random>``, dropped at the end) it bulk-inserts hash-chained audit
events (computed as ``record()`` would, inserted with executemany in batches) up to 50,000,
100,000 and 200,000 events, and after each step runs ``inset audit export --format jsonl``
in a **fresh subprocess**, which reports its own peak RSS (``ru_maxrss``). Peak RSS should
stay flat as the count grows (keyset batches of 1,000 rows). ``inset audit verify`` is timed
on the full 200,000 too.

**Record cost.** In this process, per backend: the p50/p95 of one transaction that appends
one event with ``audit.service.record`` (one INSERT, unchained: what every request pays),
sequentially and with 16 concurrent writers (events/s), and the **chainer**: how fast
``chain_pending`` links a backlog of 5,000 events, and the concurrent writers' throughput
while two chainers (as two server processes would) run every 200 ms, checked with
``verify`` at the end.

**Query route** (``--query-route N``): the p50 of ``POST /api/runtime/queries/{name}/run``
(the real app over ASGI in this process, a 100-row SQLite resource query), alternating
requests with the audit event and without it (``record`` replaced by a no-op for those
requests only), so both see the same machine state: what auditing adds to the query path.

    .venv/bin/python benchmarks/audit_export.py [--sizes 50000,100000,200000]
                                                [--backends sqlite,postgres]

Prints ONE JSON document on stdout; progress on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = os.environ.get("INSET_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{name}"

CHILD = """
import resource, sys, time
from inset.cli import main
sys.argv = ["inset", "audit", "export", "--format", "jsonl", "--output", sys.argv[1]]
started = time.perf_counter()
try:
    main()
except SystemExit as exc:
    if exc.code not in (0, None):
        raise
elapsed = time.perf_counter() - started
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"{elapsed} {peak_kb}", file=sys.stderr)
"""


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


async def seed(url: str, start: int, count: int) -> float:
    """Append ``count`` chained events after the current head, in batches."""
    from sqlalchemy import insert, select, update

    from inset.audit.chain import event_hash
    from inset.audit.models import AuditChainHead, AuditEvent
    from inset.db import Database, utcnow

    database = Database(url)
    started = time.perf_counter()
    base = utcnow() - timedelta(days=1)
    try:
        async with database.session() as session:
            head = (await session.scalars(select(AuditChainHead))).one()
            seq, prev = head.seq, head.last_hash
            batch: list[dict[str, Any]] = []
            for i in range(start, start + count):
                seq += 1
                row: dict[str, Any] = {
                    "seq": seq,
                    "occurred_at": base + timedelta(microseconds=i * 100),
                    "type": "query.run",
                    "outcome": "ok" if i % 17 else "error",
                    "actor_type": "external_user",
                    "actor_id": str(i % 500),
                    "external_identifier": f"user-{i % 500}",
                    "app_id": 1 + i % 5,
                    "session_id": "0b5d7c2e-5f0e-4c1e-9a57-3f1c2b9d8e7a",
                    "request_id": f"req-{i}",
                    "ip": "10.1.2.3",
                    "user_agent": "Mozilla/5.0 (benchmark)",
                    "data": {
                        "query": "inventory",
                        "params": {"search": "bolts", "limit": 50},
                        "rowCount": i % 100,
                        "durationMs": i % 40,
                    },
                }
                row["prev_hash"] = prev
                prev = row["hash"] = event_hash(
                    prev_hash=prev, **{k: row[k] for k in row if k not in ("prev_hash",)}
                )
                batch.append(row)
                if len(batch) == 5000:
                    await session.execute(insert(AuditEvent), batch)
                    batch = []
            if batch:
                await session.execute(insert(AuditEvent), batch)
            await session.execute(update(AuditChainHead).values(seq=seq, last_hash=prev))
    finally:
        await database.dispose()
    return time.perf_counter() - started


def export(url: str, data_dir: Path) -> dict[str, Any]:
    out = data_dir / "export.jsonl"
    env = {k: v for k, v in os.environ.items() if not k.startswith("INSET_")}
    env.update(
        INSET_DATABASE_URL=url,
        INSET_DATA_DIR=str(data_dir),
        INSET_SECRET_KEY="bench-secret-key-0123456789-abcdefghij",
        INSET_LOG_LEVEL="warning",
    )
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(out)], env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    elapsed, peak_kb = done.stderr.strip().splitlines()[-1].split()
    with out.open("rb") as handle:
        rows = sum(1 for _ in handle)
    size = out.stat().st_size
    out.unlink()
    return {
        "rows": rows,
        "seconds": round(float(elapsed), 2),
        "rows_per_s": round(rows / float(elapsed)),
        "peak_rss_mb": round(int(peak_kb) / 1024, 1),
        "bytes": size,
    }


async def verify_time(url: str) -> dict[str, Any]:
    from inset.audit import service as audit
    from inset.db import Database

    database = Database(url)
    try:
        started = time.perf_counter()
        async with database.session() as session:
            result = await audit.verify_chain(session)
        return {
            "ok": result.ok,
            "checked": result.checked,
            "seconds": round(time.perf_counter() - started, 2),
        }
    finally:
        await database.dispose()


async def record_cost(url: str, n: int = 300, concurrency: int = 16) -> dict[str, Any]:
    """p50/p95 ms of one transaction appending one event with record(); the chainer's
    rate on a backlog; concurrent writers' throughput with two chainers running."""
    from inset.audit import service as audit
    from inset.audit.chainer import Chainer, chain_pending
    from inset.db import Database

    database = Database(url)
    data = {"query": "inventory", "params": {"search": "bolts"}, "rowCount": 10, "durationMs": 3}

    async def one() -> None:
        async with database.session() as session:
            await audit.record(
                session,
                "query.run",
                actor_type="external_user",
                actor_id="1",
                external_identifier="u",
                app_id=1,
                request_id="r",
                ip="10.0.0.1",
                data=data,
            )

    async def timed(count: int) -> list[float]:
        times = []
        for _ in range(count):
            t = time.perf_counter()
            await one()
            times.append((time.perf_counter() - t) * 1000)
        return times

    def summary(times: list[float], wall: float | None = None) -> dict[str, Any]:
        times.sort()
        out: dict[str, Any] = {
            "p50_ms": round(statistics.median(times), 3),
            "p95_ms": round(times[int(len(times) * 0.95) - 1], 3),
        }
        if wall:
            out["events_per_s"] = round(len(times) / wall)
        return out

    async def concurrent() -> dict[str, Any]:
        started = time.perf_counter()
        parts = await asyncio.gather(*(timed(n // concurrency) for _ in range(concurrency)))
        return summary([t for p in parts for t in p], time.perf_counter() - started)

    result: dict[str, Any] = {}
    try:
        await timed(20)  # warm-up
        result["record_sequential"] = summary(await timed(n))
        result[f"record_concurrent_{concurrency}"] = await concurrent()
        await chain_pending(database)
        for _ in range(5000):  # a backlog, e.g. after the server was down
            await one()
        started = time.perf_counter()
        chained = await chain_pending(database)
        elapsed = time.perf_counter() - started
        result["chainer_backlog"] = {
            "events": chained,
            "seconds": round(elapsed, 3),
            "events_per_s": round(chained / elapsed),
        }
        other = Database(url)  # a second "process"
        chainers = [Chainer(database, 0.2), Chainer(other, 0.2)]
        for chainer in chainers:
            chainer.start()
        try:
            result[f"record_concurrent_{concurrency}_with_2_chainers"] = await concurrent()
        finally:
            for chainer in chainers:
                await chainer.stop()
            await other.dispose()
        async with database.session() as session:
            verified = await audit.verify_chain(session)
        result["verify_after"] = {
            "ok": verified.ok,
            "checked": verified.checked,
            "unchained": verified.unchained,
        }
    finally:
        await database.dispose()
    return result


async def query_route(url: str, data_dir: Path, n: int) -> dict[str, Any]:
    """p50 of POST /api/runtime/queries/{name}/run (real app over ASGI, in this process),
    alternating requests with the query.run event recorded and without it, so both see the
    same machine state."""
    import sqlite3

    import httpx

    sys.path.insert(0, str(ROOT))
    from tests.factories import BASE_BUNDLE, bearer, embed_body, make_world, query

    from inset.app import create_app
    from inset.audit.models import AuditEvent
    from inset.db import Database
    from inset.queries import service as queries
    from inset.resources.service import add_resource

    warehouse = data_dir / "warehouse.db"
    with sqlite3.connect(warehouse) as conn:
        conn.execute("CREATE TABLE stock (name TEXT)")
        conn.executemany("INSERT INTO stock VALUES (?)", [(f"item {i}",) for i in range(100)])
    bundle = {**BASE_BUNDLE, "queries": {"stock": query("SELECT name FROM stock")}}
    database = Database(url)
    world = await make_world(database, bundle)
    async with database.session() as session:
        await add_resource(session, "warehouse", "sqlite", str(warehouse))
    namespace = vars(queries)  # run_query calls the module's ``record``
    real_record = namespace["record"]

    async def no_audit(*args: Any, **kwargs: Any) -> AuditEvent:
        return AuditEvent()

    times: dict[str, list[float]] = {"audit_on": [], "audit_off": []}
    app = create_app(database=database)
    try:
        transport = httpx.ASGITransport(app=app)
        # The app's lifespan runs as under `inset serve`: the audit chainer, and resource
        # connections closed at the end (left open, their threads keep the process alive).
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://testserver") as http,
        ):
            minted = await http.post(
                "/api/embed-url/external-user",
                json=embed_body(world),
                headers=bearer(world.tokens["embed"]),
            )
            page = await http.get(minted.json()["embedUrl"].removeprefix("http://testserver"))
            boot = json.loads(page.text.split('id="inset-boot">', 1)[1].split("</script>")[0])
            headers = bearer(boot["sessionToken"])
            for i in range(n + 20):
                mode = "audit_on" if i % 2 == 0 else "audit_off"
                namespace["record"] = real_record if mode == "audit_on" else no_audit
                started = time.perf_counter()
                response = await http.post(
                    "/api/runtime/queries/stock/run", json={"params": {}}, headers=headers
                )
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code != 200:
                    raise RuntimeError(response.text)
                if i >= 20:
                    times[mode].append(elapsed)
    finally:
        namespace["record"] = real_record
        await database.dispose()
    p50 = {k: statistics.median(v) for k, v in times.items()}
    return {
        "requests_each": len(times["audit_on"]),
        "p50_ms_audit_on": round(p50["audit_on"], 3),
        "p50_ms_audit_off": round(p50["audit_off"], 3),
        "added_p50_ms": round(p50["audit_on"] - p50["audit_off"], 3),
    }


def run_query_route(backend: str, n: int) -> dict[str, Any]:
    from inset import migrations

    with tempfile.TemporaryDirectory(prefix="inset-audit-bench-") as tmp:
        name = f"inset_bench_{secrets.token_hex(4)}"
        if backend == "sqlite":
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'inset.db'}"
        else:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
            url = PG_URL.format(name=name)
        try:
            migrations.upgrade(url)
            return asyncio.run(query_route(url, Path(tmp), n))
        finally:
            if backend == "postgres":
                with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


def run_backend(backend: str, sizes: list[int]) -> dict[str, Any]:
    from inset import migrations

    with tempfile.TemporaryDirectory(prefix="inset-audit-bench-") as tmp:
        data_dir = Path(tmp)
        name = f"inset_bench_{secrets.token_hex(4)}"
        if backend == "sqlite":
            url = f"sqlite+aiosqlite:///{data_dir / 'inset.db'}"
        else:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
            url = PG_URL.format(name=name)
        try:
            migrations.upgrade(url)
            out: dict[str, Any] = {"export": []}
            have = 0
            for size in sizes:
                seeded = asyncio.run(seed(url, have, size - have))
                progress(f"{backend}: seeded {size} events ({seeded:.1f}s); exporting")
                have = size
                out["export"].append({"events": size, **export(url, data_dir)})
            out["verify"] = asyncio.run(verify_time(url))
            progress(f"{backend}: verify {out['verify']}; measuring record cost")
            out["record_cost"] = asyncio.run(record_cost(url))
            return out
        finally:
            if backend == "postgres":
                with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="50000,100000,200000")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument(
        "--query-route",
        type=int,
        default=0,
        metavar="N",
        help="Only measure the runtime query route with/without audit, N requests each.",
    )
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    os.environ.setdefault("INSET_SECRET_KEY", "bench-secret-key-0123456789-abcdefghij")
    os.environ.setdefault("INSET_PUBLIC_URL", "http://testserver")
    os.environ.setdefault("INSET_QUERY_RATE_LIMIT", "100000000/minute")  # never reached
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if args.query_route:
        routes = {b: run_query_route(b, args.query_route * 2) for b in args.backends.split(",")}
        print(json.dumps({"benchmark": "audit_query_route", **routes}, indent=2))
        return
    result = {b: run_backend(b, sizes) for b in args.backends.split(",")}
    print(json.dumps({"benchmark": "audit_export", "sizes": sizes, **result}, indent=2))


if __name__ == "__main__":
    main()
