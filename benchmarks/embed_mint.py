"""Benchmark: minting (and redeeming) embed URLs over real HTTP.

Starts ``inset serve`` as a subprocess for each metadata backend (SQLite in a temporary
folder; PostgreSQL in a fresh database ``inset_bench_<random>`` that is dropped afterwards),
seeds it through the CLI (``inset groups create``, ``inset resources add``, ``inset deploy``,
``inset tokens create``) and measures with httpx.AsyncClient:

* ``healthz``: GET /healthz, the baseline (HTTP + framework, no database), so numbers
  can be compared across machines;
* ``mint``: POST /api/embed-url/external-user;
* ``mint_redeem``: the same, then GET of the returned single-use URL (the app page).

Each scenario runs at each concurrency for a bounded number of requests, after a short
warm-up. The result is ONE JSON document on stdout; progress goes to stderr.

    .venv/bin/python benchmarks/embed_mint.py [--requests 300] [--concurrency 1,8]
                                              [--backends sqlite,postgres]

Everything binds 127.0.0.1; only the processes this script starts are stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg

from inset import __version__
from inset.demo.data import create_warehouse

REPO = Path(__file__).resolve().parents[1]
APP_DIR = REPO / "examples" / "supplier-portal"
PG_ADMIN_DSN = os.environ.get("INSET_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
PARENT_ORIGIN = "http://127.0.0.1:8701"
HOST = "127.0.0.1"
SCENARIOS = ("healthz", "mint", "mint_redeem")
READY_TIMEOUT = 60.0


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


# ---------------------------------------------------------------------- backends


@dataclass
class Backend:
    name: str
    database_url: str
    data_dir: Path


@contextmanager
def sqlite_backend(root: Path) -> Iterator[Backend]:
    data_dir = root / "sqlite"
    data_dir.mkdir()
    yield Backend("sqlite", f"sqlite+aiosqlite:///{data_dir / 'inset.db'}", data_dir)


@contextmanager
def postgres_backend(root: Path) -> Iterator[Backend]:
    name = f"inset_bench_{secrets.token_hex(6)}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    data_dir = root / "postgres"
    data_dir.mkdir()
    try:
        yield Backend("postgres", f"postgresql+psycopg://postgres@{HOST}:5432/{name}", data_dir)
    finally:
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]
        log(f"dropped database {name}")


def backend_env(backend: Backend, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INSET_")}
    env.update(
        {
            "INSET_DATA_DIR": str(backend.data_dir),
            "INSET_DATABASE_URL": backend.database_url,
            "INSET_SECRET_KEY": secrets.token_urlsafe(48),
            "INSET_PUBLIC_URL": f"http://{HOST}:{port}",
            "INSET_LOG_LEVEL": "warning",
        }
    )
    return env


def inset(env: dict[str, str], *args: str) -> str:
    """Run one ``inset`` CLI command; its stdout (it must succeed)."""
    result = subprocess.run(
        [sys.executable, "-m", "inset", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"inset {' '.join(args[:2])} failed ({result.returncode}): {result.stderr.strip()}"
        )
    return result.stdout.strip()


@dataclass
class Seeded:
    token: str
    app_uuid: str


def seed(env: dict[str, str], data_dir: Path) -> Seeded:
    inset(env, "db", "upgrade")
    inset(env, "groups", "create", "suppliers")
    inset(env, "groups", "create", "staff")
    warehouse = data_dir / "warehouse.db"
    create_warehouse(warehouse)
    inset(env, "resources", "add", "warehouse", "--type", "sqlite", "--url", str(warehouse))
    apps = data_dir / "apps"
    shutil.copytree(APP_DIR, apps / APP_DIR.name)
    inset(env, "deploy", str(apps))
    token = inset(env, "tokens", "create", "--name", "bench", "--scope", "embed")
    uuid = next(
        line.split(":", 1)[1].strip()
        for line in (apps / APP_DIR.name / "app.yaml").read_text().splitlines()
        if line.startswith("uuid:")
    )
    return Seeded(token=token, app_uuid=uuid)


@contextmanager
def serve(env: dict[str, str], port: int, log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``inset serve`` on 127.0.0.1:port until the block ends; stops only that process."""
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "inset", "serve", "--host", HOST, "--port", str(port)],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + READY_TIMEOUT
            while True:
                if process.poll() is not None:
                    raise RuntimeError(
                        f"inset serve exited ({process.returncode}): {log_path.read_text()[-2000:]}"
                    )
                try:
                    if httpx.get(f"http://{HOST}:{port}/readyz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("inset serve did not become ready in time")
                time.sleep(0.1)
            yield process
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)


# ------------------------------------------------------------------- measurement


Request = Callable[[httpx.AsyncClient, int], Awaitable[str | None]]
"""One request (or a mint + redeem pair): None when it succeeded, else what went wrong."""


def failure(response: httpx.Response, what: str) -> str | None:
    if response.status_code == 200:
        return None
    try:
        code = response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        code = "-"
    return f"{what} HTTP {response.status_code} {code}"


def scenario(name: str, base: str, seeded: Seeded) -> Request:
    headers = {"Authorization": f"Bearer {seeded.token}"}

    def body(i: int) -> dict[str, Any]:
        supplier = i % 3 + 1
        return {
            "landingPageUuid": seeded.app_uuid,
            "groupIds": ["suppliers"],
            "externalIdentifier": f"bench-user-{i % 100}",
            "metadata": {"supplierId": supplier},
            "parentOrigin": PARENT_ORIGIN,
        }

    async def healthz(client: httpx.AsyncClient, i: int) -> str | None:
        return failure(await client.get(f"{base}/healthz"), "healthz")

    async def mint(client: httpx.AsyncClient, i: int) -> str | None:
        response = await client.post(
            f"{base}/api/embed-url/external-user", json=body(i), headers=headers
        )
        return failure(response, "mint")

    async def mint_redeem(client: httpx.AsyncClient, i: int) -> str | None:
        response = await client.post(
            f"{base}/api/embed-url/external-user", json=body(i), headers=headers
        )
        if response.status_code != 200:
            return failure(response, "mint")
        return failure(await client.get(response.json()["embedUrl"]), "redeem")

    return {"healthz": healthz, "mint": mint, "mint_redeem": mint_redeem}[name]


def percentile(sorted_ms: list[float], q: float) -> float:
    if not sorted_ms:
        return float("nan")
    index = min(len(sorted_ms) - 1, max(0, round(q * (len(sorted_ms) - 1))))
    return sorted_ms[index]


async def measure(request: Request, requests: int, concurrency: int, warmup: int) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        for i in range(warmup):
            await request(client, 10_000 + i)
        latencies: list[float] = []
        errors: Counter[str] = Counter()
        counter = iter(range(requests))

        async def worker() -> None:
            for i in counter:
                start = time.perf_counter()
                try:
                    problem = await request(client, i)
                except httpx.HTTPError as exc:
                    problem = type(exc).__name__
                latencies.append((time.perf_counter() - start) * 1000)
                if problem is not None:
                    errors[problem] += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": requests,
        "rps": round(requests / elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.50), 2),
        "p95_ms": round(percentile(latencies, 0.95), 2),
        "mean_ms": round(statistics.fmean(latencies), 2),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
    }


def run_backend(
    backend: Backend, requests: int, concurrencies: list[int], warmup: int
) -> dict[str, Any]:
    port = free_port()
    env = backend_env(backend, port)
    log(f"[{backend.name}] seeding through the CLI")
    seeded = seed(env, backend.data_dir)
    results: dict[str, Any] = {}
    with serve(env, port, backend.data_dir / "server.log"):
        base = f"http://{HOST}:{port}"
        for name in SCENARIOS:
            results[name] = {}
            for concurrency in concurrencies:
                log(f"[{backend.name}] {name} x{requests} at concurrency {concurrency}")
                cell = asyncio.run(
                    measure(scenario(name, base, seeded), requests, concurrency, warmup)
                )
                results[name][str(concurrency)] = cell
    for name in ("mint", "mint_redeem"):
        for concurrency, cell in results[name].items():
            baseline = results["healthz"][concurrency]["rps"]
            cell["rps_vs_healthz"] = round(cell["rps"] / baseline, 3) if baseline else None
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="requests per cell")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured requests first")
    parser.add_argument("--concurrency", default="1,8", help="comma-separated, e.g. 1,8")
    parser.add_argument("--backends", default="sqlite,postgres", help="sqlite and/or postgres")
    args = parser.parse_args()
    concurrencies = [int(c) for c in args.concurrency.split(",") if c.strip()]
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(backends) - {"sqlite", "postgres"}
    if unknown or not backends or not concurrencies or args.requests < 1:
        parser.error("bad --backends, --concurrency or --requests")
    document: dict[str, Any] = {
        "benchmark": "embed_mint",
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
            "concurrency": concurrencies,
            "server": "inset serve --workers 1, on 127.0.0.1; client in another process",
        },
        "results": {},
    }
    root = Path(tempfile.mkdtemp(prefix="inset-bench-"))
    try:
        for name in backends:
            factory = sqlite_backend if name == "sqlite" else postgres_backend
            with factory(root) as backend:
                document["results"][name] = run_backend(
                    backend, args.requests, concurrencies, args.warmup
                )
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(json.dumps(document, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
