"""Run every benchmark in benchmarks/ and collect the results.

Each benchmark runs as its own subprocess with modest sizes (``--quick``: smaller still),
prints one JSON document, and is collected into ``benchmarks/results/latest.json``; a
markdown summary (the headline numbers of each, and the scaling table) goes to
``benchmarks/results/latest.md``. The load average before and after each benchmark is
recorded with it: numbers measured on a busy machine are not comparable.

    .venv/bin/python benchmarks/run_all.py            # about 10 minutes on 2 cores
    .venv/bin/python benchmarks/run_all.py --quick    # about 2 minutes: a smoke run
    .venv/bin/python benchmarks/run_all.py --only scaling   # keeps the others' results

A benchmark that fails (or runs longer than ``--timeout`` and is killed) is recorded with
its exit code and the end of its stderr, and with its JSON document if it printed one; the
others still run, and the exit code is 1.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

# name -> (arguments for a normal run, arguments for --quick)
BENCHMARKS: dict[str, tuple[list[str], list[str]]] = {
    "embed_mint": (
        ["--requests", "200", "--concurrency", "1,8"],
        ["--backends", "postgres", "--requests", "40", "--concurrency", "8", "--warmup", "5"],
    ),
    # --audit-requests 0: its in-process audit on/off cell hung on exit (an aiosqlite
    # thread) on 2026-11-25; audit_export.py --query-route measures the same.
    "query_overhead": (
        ["--requests", "200", "--concurrency", "1,16", "--audit-requests", "0"],
        ["--requests", "40", "--concurrency", "8", "--warmup", "5", "--audit-requests", "0"],
    ),
    "audit_export": (
        ["--sizes", "20000,50000"],
        ["--sizes", "2000", "--backends", "sqlite"],
    ),
    "cold_load": (["--runs", "3"], ["--runs", "1"]),
    "scaling": (
        ["--processes", "1,2,4", "--requests", "300"],
        ["--processes", "1,2,4", "--requests", "40", "--warmup", "10", "--concurrency", "8"],
    ),
}

# Leaves worth a line in the markdown summary (every number stays in latest.json).
HEADLINE_KEYS = (
    "rps",
    "p50_ms",
    "p95_ms",
    "speedup",
    "errors",
    "rps_vs_healthz",
    "added_ms_p50",
    "ratio_p50",
    "rows_per_s",
    "peak_rss_mb",
    "events_per_s",
    "median",
    "total_gz_bytes",
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def machine() -> dict[str, Any]:
    """Where a result was measured, with the load average at the time."""
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average": load_average(),
    }


def run_one(name: str, args: list[str], timeout: float) -> dict[str, Any]:
    command = [sys.executable, str(HERE / f"{name}.py"), *args]
    log(f"== {name}: {' '.join(command[1:])}")
    before = load_average()
    started = time.perf_counter()
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()  # only the benchmark this script started
            stdout, stderr = process.communicate()
            stderr += f"\n(killed after {timeout} s)"
    entry: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["python", f"benchmarks/{name}.py", *args]),
        "seconds": round(time.perf_counter() - started, 1),
        "load_average_before": before,
        "load_average_after": load_average(),
        "exit_code": process.returncode,
    }
    try:
        # A benchmark that printed its document but then hung on exit still counts.
        entry["result"] = json.loads(stdout)
    except json.JSONDecodeError:
        entry["result"] = None
    if entry["result"] is None or process.returncode != 0:
        entry["stderr_tail"] = stderr[-2000:]
        log(f"   exit code {process.returncode}:\n{stderr[-2000:]}")
    else:
        log(f"   done in {entry['seconds']} s")
    return entry


def headline(value: Any, path: str = "") -> list[tuple[str, Any]]:
    """(path, number) for every HEADLINE_KEYS leaf of a result, in document order."""
    found: list[tuple[str, Any]] = []
    if isinstance(value, dict):
        for key, child in value.items():
            child_path = f"{path}.{key}" if path else str(key)
            if key in HEADLINE_KEYS and isinstance(child, int | float):
                found.append((child_path, child))
            else:
                found.extend(headline(child, child_path))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found.extend(headline(child, f"{path}[{index}]"))
    return found


def scaling_table(result: dict[str, Any]) -> list[str]:
    """Processes down, paths across: rps (speedup over 1 process)."""
    paths = result.get("results", {})
    counts = sorted({int(n) for cells in paths.values() for n in cells})
    lines = ["| processes | " + " | ".join(f"{p} rps (speedup)" for p in paths) + " |"]
    lines.append("|---|" + "---|" * len(paths))
    for n in counts:
        cells = [paths[p].get(str(n), {}) for p in paths]
        row = [f"{c.get('rps', '-')} ({c.get('speedup', '-')})" for c in cells]
        lines.append(f"| {n} | " + " | ".join(row) + " |")
    return lines


def markdown(document: dict[str, Any]) -> str:
    machine = document["machine"]
    lines = [
        "# Benchmark results",
        "",
        f"Run {document['started_at']} ({document['mode']}), Inset {document['inset_version']}, "
        f"Python {machine['python']}, {machine['cpus']} CPUs, {machine['platform']}. "
        f"Load average (1, 5, 15 min) at start {machine['load_average']}. "
        "Method and discussion: docs/performance.md. Every number: latest.json.",
        "",
        "| benchmark | seconds | load before → after | status |",
        "|---|---|---|---|",
    ]
    for name, entry in document["benchmarks"].items():
        status = "ok" if entry["exit_code"] == 0 else f"exit code {entry['exit_code']}"
        if entry["result"] is None:
            status += ", no result"
        lines.append(
            f"| {name} | {entry['seconds']} | {entry['load_average_before'][0]} → "
            f"{entry['load_average_after'][0]} | {status} |"
        )
    scaling = document["benchmarks"].get("scaling", {}).get("result")
    if scaling:
        lines += ["", "## Scaling: 1 → N processes on one PostgreSQL", "", *scaling_table(scaling)]
    for name, entry in document["benchmarks"].items():
        if entry["result"] is None:
            continue
        lines += ["", f"## {name}", "", f"`{entry['command']}`", "", "| metric | value |"]
        lines.append("|---|---|")
        lines += [f"| {path} | {value} |" for path, value in headline(entry["result"])]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smallest sizes (~2 minutes)")
    parser.add_argument("--only", default="", help="comma-separated benchmark names")
    parser.add_argument("--output-dir", type=Path, default=HERE / "results")
    parser.add_argument(
        "--timeout", type=float, default=900, help="seconds before a benchmark is killed"
    )
    args = parser.parse_args()
    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(BENCHMARKS)
    unknown = set(names) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    from inset import __version__

    document: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "mode": "quick" if args.quick else "normal",
        "inset_version": __version__,
        "machine": machine(),
        "benchmarks": {},
    }
    latest = args.output_dir / "latest.json"
    if args.only and latest.exists():
        # Re-running some benchmarks keeps the others' last results.
        document["benchmarks"] = json.loads(latest.read_text()).get("benchmarks", {})
    for name in names:
        normal, quick = BENCHMARKS[name]
        document["benchmarks"][name] = run_one(name, quick if args.quick else normal, args.timeout)
    args.output_dir.mkdir(parents=True, exist_ok=True)
    latest.write_text(json.dumps(document, indent=2) + "\n")
    (args.output_dir / "latest.md").write_text(markdown(document))
    log(f"wrote {args.output_dir / 'latest.json'} and latest.md")
    failed = [n for n in names if document["benchmarks"][n]["exit_code"] != 0]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
