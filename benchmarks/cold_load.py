"""Benchmark: cold load of an embed URL in Chromium, to the first table row.

Starts ``inset serve`` with the component gallery and the supplier portal deployed (the
set-up of scripts/screenshots.py), then for each run opens a fresh single-use embed URL of
the supplier portal in a fresh browser context (empty cache) at top level, and measures:

* ``first_row_ms``: from navigation start to the first ``tbody tr`` of a table in the DOM
  (a MutationObserver installed before any page script runs, read with performance.now());
* ``js_gz_bytes`` / ``css_gz_bytes``: gzip size (level 6) of every JS / CSS response the
  page loaded before that moment (the bodies as served, gzipped here, since the server
  sends them uncompressed on loopback), and the file count;
* the same for the gallery's chart page, to show Chart.js is loaded only there.

    .venv/bin/python benchmarks/cold_load.py [--runs 5]

Prints ONE JSON document on stdout. Target: <= 60 KB gz of JS+CSS before the first row.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from screenshots import (
    CHROMIUM,
    CHROMIUM_ARGS,
    GALLERY_UUID,
    PORTAL_UUID,
    start_inset,
)

BUDGET_GZ_BYTES = 60 * 1024

FIRST_ROW_PROBE = """
window.__firstRow = null;
new MutationObserver((_, observer) => {
  if (window.__firstRow === null && document.querySelector("tbody tr")) {
    window.__firstRow = performance.now();
    observer.disconnect();
  }
}).observe(document, { childList: true, subtree: true });
"""


def _load(browser: Any, url: str, ready: str) -> dict[str, Any]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.add_init_script(FIRST_ROW_PROBE)
    responses: list[Any] = []
    page.on("response", lambda r: responses.append(r))
    page.goto(url)
    page.wait_for_selector(ready, timeout=20_000)
    first_row = page.evaluate("window.__firstRow")
    # Resource timing says when each response ended (same clock as performance.now()).
    ends: dict[str, float] = page.evaluate(
        "Object.fromEntries(performance.getEntriesByType('resource')"
        ".map(e => [e.name, e.responseEnd]))"
    )
    nav_end = page.evaluate("performance.getEntriesByType('navigation')[0].responseEnd")
    cutoff = first_row if isinstance(first_row, (int, float)) else float("inf")
    js = css = 0
    js_raw = 0
    files: list[str] = []
    for response in responses:
        url_ = response.url
        path = url_.split("?")[0]
        kind = "js" if path.endswith(".js") else "css" if path.endswith(".css") else None
        if kind is None:
            continue
        end = ends.get(url_, nav_end)
        if end > cutoff:
            continue
        body = response.body()
        size = len(gzip.compress(body, 6))
        if kind == "js":
            js += size
            js_raw += len(body)
        else:
            css += size
        files.append(url_.split("/static/")[-1].split("?")[0])
    context.close()
    return {
        "first_row_ms": round(first_row, 1) if isinstance(first_row, (int, float)) else None,
        "js_gz_bytes": js,
        "css_gz_bytes": css,
        "js_raw_bytes": js_raw,
        "files": sorted(files),
    }


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with start_inset() as inset, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        runs = [
            _load(
                browser,
                inset.mint(PORTAL_UUID, f"bench-{i}", ["suppliers"], supplierId=1),
                "tbody tr",
            )
            for i in range(args.runs)
        ]
        # The gallery's chart page: what a page with charts adds (Chart.js, lazily).
        context = browser.new_context()
        page = context.new_page()
        loaded: list[Any] = []
        page.on("response", lambda r: loaded.append(r))
        page.goto(inset.mint(GALLERY_UUID, "bench-charts", ["gallery-users"]))
        page.wait_for_selector("tbody tr")
        before_charts = {r.url for r in loaded}
        page.get_by_role("tab", name="Charts").click()
        page.wait_for_selector(".inset-chart__box[aria-busy=false]")
        chart_files = [
            r for r in loaded if r.url not in before_charts and r.url.split("?")[0].endswith(".js")
        ]
        chart_gz = sum(len(gzip.compress(r.body(), 6)) for r in chart_files)
        context.close()
        browser.close()
    first = runs[0]
    total = first["js_gz_bytes"] + first["css_gz_bytes"]
    result = {
        "benchmark": "cold_load",
        "app": "supplier-portal (inventory page)",
        "runs": args.runs,
        "first_row_ms": {
            "median": statistics.median(r["first_row_ms"] for r in runs),
            "min": min(r["first_row_ms"] for r in runs),
            "max": max(r["first_row_ms"] for r in runs),
            "each": [r["first_row_ms"] for r in runs],
        },
        "before_first_row": {
            "js_gz_bytes": first["js_gz_bytes"],
            "css_gz_bytes": first["css_gz_bytes"],
            "total_gz_bytes": total,
            "js_raw_bytes": first["js_raw_bytes"],
            "files": first["files"],
        },
        "budget_gz_bytes": BUDGET_GZ_BYTES,
        "within_budget": total <= BUDGET_GZ_BYTES,
        "chart_page_adds": {
            "js_gz_bytes": chart_gz,
            "files": sorted(r.url.split("/static/")[-1].split("?")[0] for r in chart_files),
        },
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
