"""Screenshots of the real apps for the README and docs: docs/images/*.png.

Starts ``inset serve`` in a temporary data dir (through the CLI, as an operator would),
writes the sample data, deploys examples/component-gallery and examples/supplier-portal,
serves a small host page on another origin that embeds them in an iframe, and photographs
it with Debian's Chromium through Playwright.

    .venv/bin/python scripts/screenshots.py [--out docs/images]

``start_inset()`` is reused by benchmarks/cold_load.py.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
]
GALLERY_UUID = "3c9e6f10-2a4b-4d7e-9f61-8b5a0c7d2e41"
PORTAL_UUID = "0d5d0a86-ed7a-43b3-a587-05c40ee30dec"

# The host page: embeds ?src= in an iframe, says hello (Inset's protocol) and follows the
# app's height. Its own origin, so the embed is cross-origin as in production.
HOST_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Host product</title>
<style>
body { margin: 0; font: 14px system-ui, sans-serif; background: #eef0f3; color: #1b1f24; }
header { background: #14213d; color: #fff; padding: 12px 24px; font-weight: 600; }
main { padding: 20px 24px; }
iframe { display: block; width: 100%; border: 0; border-radius: 10px; background: #fff;
         box-shadow: 0 1px 3px rgb(16 24 40 / 12%); }
</style></head>
<body><header>Northwind Marketplace</header>
<main><iframe id="inset" title="Embedded app" height="600"></iframe></main>
<script>
  const frame = document.getElementById("inset");
  window.addEventListener("message", (event) => {
    if (event.source !== frame.contentWindow) return;
    const d = event.data;
    if (d && d.type === "inset:resize") frame.height = String(d.height);
  });
  frame.addEventListener("load", () => {
    frame.contentWindow.postMessage({ type: "inset:hello", version: 1 }, new URL(frame.src).origin);
  });
  frame.src = new URLSearchParams(location.search).get("src");
</script></body></html>
"""


class _HostHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = HOST_PAGE.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def load_module(path: Path, name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class Inset:
    base_url: str
    host_origin: str
    embed_token: str
    root: Path
    env: dict[str, str] = field(default_factory=dict)  # for more `inset …` commands

    def mint(self, app_uuid: str, external_id: str, groups: list[str], **metadata: Any) -> str:
        response = httpx.post(
            f"{self.base_url}/api/embed-url/external-user",
            json={
                "landingPageUuid": app_uuid,
                "groupIds": groups,
                "externalIdentifier": external_id,
                "userInfo": {"email": f"{external_id}@example.com", "firstName": "Sam"},
                "metadata": metadata,
                "parentOrigin": self.host_origin,
            },
            headers={"Authorization": f"Bearer {self.embed_token}"},
            timeout=10,
        )
        response.raise_for_status()
        url: str = response.json()["embedUrl"]
        return url

    def host_url(self, embed_url: str) -> str:
        return f"{self.host_origin}/host?{httpx.QueryParams({'src': embed_url})}"


def _cli(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(  # noqa: S603 (our own CLI)
        [sys.executable, "-m", "inset", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"inset {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout.strip()


def _stage(example: str, root: Path, host_origin: str) -> Path:
    target = root / "apps" / example
    shutil.copytree(
        EXAMPLES / example, target, ignore=shutil.ignore_patterns("*.py", "__pycache__")
    )
    app_yaml = target / "app.yaml"
    app_yaml.write_text(
        re.sub(r"parentOrigins: \[.*\]", f'parentOrigins: ["{host_origin}"]', app_yaml.read_text())
    )
    return target


@contextlib.contextmanager
def start_inset() -> Iterator[Inset]:
    """`inset serve` with the gallery and the supplier portal deployed, plus a host page."""
    from inset.demo.data import create_warehouse

    with tempfile.TemporaryDirectory(prefix="inset-shots-") as tmp:
        root = Path(tmp)
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        host = ThreadingHTTPServer(("127.0.0.1", 0), _HostHandler)
        host_origin = f"http://127.0.0.1:{host.server_address[1]}"
        threading.Thread(target=host.serve_forever, daemon=True).start()
        env = {k: v for k, v in os.environ.items() if not k.startswith("INSET_")}
        env.update(
            {
                "INSET_DATA_DIR": str(root),
                "INSET_SECRET_KEY": secrets.token_urlsafe(48),
                "INSET_PUBLIC_URL": base_url,
                "INSET_LOG_LEVEL": "warning",
            }
        )
        gallery = load_module(EXAMPLES / "component-gallery" / "sample_data.py", "gallery_data")
        gallery.create(root / "gallery.db")
        create_warehouse(root / "warehouse.db", overwrite=True)
        _cli(env, "db", "upgrade")
        for group in ("gallery-users", "suppliers", "staff"):
            _cli(env, "groups", "create", group)
        _cli(
            env,
            "resources",
            "add",
            "gallery",
            "--type",
            "sqlite",
            "--url",
            str(root / "gallery.db"),
        )
        _cli(
            env,
            "resources",
            "add",
            "warehouse",
            "--type",
            "sqlite",
            "--url",
            str(root / "warehouse.db"),
        )
        for example in ("component-gallery", "supplier-portal"):
            _cli(env, "deploy", str(_stage(example, root, host_origin)))
        token = _cli(env, "tokens", "create", "--name", "shots", "--scope", "embed")
        log = (root / "server.log").open("wb")
        process = subprocess.Popen(  # noqa: S603 (our own CLI)
            [sys.executable, "-m", "inset", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                        break
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError((root / "server.log").read_text(errors="replace"))
                time.sleep(0.1)
            yield Inset(base_url, host_origin, token, root, env)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
            log.close()
            host.shutdown()
            host.server_close()


def shoot(out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with start_inset() as inset, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": 1200, "height": 900}, device_scale_factor=1
        )
        page = context.new_page()
        page.set_default_timeout(15_000)

        def save(name: str, *, full: bool = True) -> None:
            path = out / f"{name}.png"
            page.wait_for_timeout(400)  # toasts and charts settle
            page.screenshot(path=str(path), full_page=full)
            written.append(path)

        # The gallery, embedded: forms (after an empty submit), layout with the modal, charts.
        gallery = inset.mint(GALLERY_UUID, "gallery-user", ["gallery-users"])
        page.goto(inset.host_url(gallery))
        app = page.frame_locator("#inset")
        app.locator("[data-component=feedbackTable] tbody tr").first.wait_for()
        app.locator("#inset-feedbackForm-name").fill("Grace Hopper")
        app.locator("#inset-feedbackForm-code").fill("grh-42")
        app.get_by_role("button", name="Send feedback").click()
        save("gallery-forms")
        app.get_by_role("tab", name="Layout").click()
        app.get_by_role("tab", name="Notes").click()
        save("gallery-layout")
        app.get_by_role("button", name="Open details").click()
        app.get_by_role("dialog").wait_for()
        save("gallery-modal", full=False)
        page.keyboard.press("Escape")
        app.get_by_role("tab", name="Charts").click()
        app.locator(".inset-chart__box[aria-busy=false]").nth(3).wait_for()
        save("gallery-charts")

        # The supplier portal, embedded as supplier 1.
        portal = inset.mint(PORTAL_UUID, "supplier-1", ["suppliers"], supplierId=1)
        page.goto(inset.host_url(portal))
        app = page.frame_locator("#inset")
        app.locator("table tbody tr").first.wait_for()
        save("supplier-portal-inventory")
        app.locator("table tbody tr").nth(1).click()  # the stock update form
        app.locator("[data-component=stockForm]").wait_for()
        save("supplier-portal-stock-form")
        app.get_by_role("tab", name="Invoices").click()
        app.locator("table tbody tr").first.wait_for()
        save("supplier-portal-invoices")
        app.get_by_role("tab", name="Sales").click()
        app.locator(".inset-chart__box[aria-busy=false]").nth(1).wait_for()
        save("supplier-portal-sales")

        # A phone-sized iframe: the gallery's form at 360px.
        phone = browser.new_context(viewport={"width": 360, "height": 780}, device_scale_factor=2)
        page = phone.new_page()
        page.goto(inset.mint(GALLERY_UUID, "gallery-phone", ["gallery-users"]))
        page.locator("[data-component=feedbackTable] tbody tr").first.wait_for()
        save("gallery-360px", full=False)
        browser.close()
    return written


def main(make: Callable[[Path], list[Path]] = shoot, doc: str | None = __doc__) -> None:
    """Parse --out, run ``make`` (default: these screenshots) and list the files written."""
    parser = argparse.ArgumentParser(description=(doc or "").split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    args = parser.parse_args()
    for path in make(args.out):
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


if __name__ == "__main__":
    main()
