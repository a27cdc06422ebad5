"""Host-page SDK tests: a real `inset serve` on http://localhost:<p1> and a host product on
http://127.0.0.1:<p2> (another origin *and* another site), whose pages embed an Inset app
with our SDK (served by Inset at /sdk/inset-embed.js) or with the real, unmodified npm
packages `@tryretool/retool-embed` and `react-retool`.

The npm packages are pinned in tests/sdk/hostpages/package.json + package-lock.json. The
session fixture `host_bundles` runs `npm ci` there when node_modules is missing or older
than the lock file, then bundles each host page's entry with esbuild (also pinned) into a
temporary directory. Nothing built is committed, so the bundles can never be stale.

The host product's backend is a tiny threaded HTTP server: it serves the pages and
`/mint`, which calls Inset's embed API server side with its embed token, like a real host.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from playwright.sync_api import Browser, Page

from tests.browser.conftest import write_warehouse
from tests.support.live import (
    CHROMIUM_ARGS,
    POST_RECORDER,
    chromium_browser,
    free_port,
    host_server,
    run_cli,
    running_server,
    server_env,
)

HOSTPAGES = Path(__file__).parent / "hostpages"
BUNDLES = ("retool-embed", "react-retool", "inset-react")
APP_UUID = "0c6f6a3e-8f0e-4d8a-9d2b-6b1f7c2e9a41"
SECRET_KEY = "sdk-test-secret-key-not-for-production-0123456789abc"
# Chromium: resolve "localhost" to 127.0.0.1 only (no ::1 attempt).
SDK_CHROMIUM_ARGS = [*CHROMIUM_ARGS, "--host-resolver-rules=MAP localhost 127.0.0.1"]

APP_YAML = """\
uuid: {uuid}
name: SDK test
access:
  - {{group: suppliers, level: use}}
embed:
  parentOrigins: ["{host_origin}"]
pages: [home, tall]
queries:
  customer:
    kind: parent
    selector: customerId
  products:
    resource: warehouse
    sql: |
      SELECT sku, name FROM products
      WHERE supplier_id = {{{{ current_user.metadata.supplierId }}}} ORDER BY sku
    trigger: auto
"""

HOME_PAGE = """\
title: Home
components:
  - {type: heading, value: SDK test home, level: 1}
  - {id: customerText, type: text, value: "Customer: {{ queries.customer.data }}"}
  - id: send
    type: button
    label: Send to host
    on_click: [{send_to_parent: "{{ {picked: queries.customer.data, count: 2} }}"}]
  - {id: reload, type: button, label: Reload products, on_click: [{run: products}]}
  - {id: toTall, type: button, label: Go tall, on_click: [{go_to_page: tall}]}
  - id: productTable
    type: table
    data: "{{ queries.products.data }}"
    pageSize: 3
    columns:
      - {key: sku, label: SKU}
      - {key: name, label: Name}
"""

TALL_PAGE = """\
title: Tall
components:
  - {type: heading, value: The tall page, level: 1}
  - {id: toHome, type: button, label: Go home, on_click: [{go_to_page: home}]}
  - {id: reloadTall, type: button, label: Reload products, on_click: [{run: products}]}
  - id: tallTable
    type: table
    data: "{{ queries.products.data }}"
    pageSize: 50
    columns:
      - {key: sku, label: SKU}
      - {key: name, label: Name}
"""


def write_sdk_app(root: Path, host_origin: str) -> Path:
    app_dir = root / "apps" / "sdk-test"
    (app_dir / "pages").mkdir(parents=True)
    (app_dir / "app.yaml").write_text(APP_YAML.format(uuid=APP_UUID, host_origin=host_origin))
    (app_dir / "pages" / "home.yaml").write_text(HOME_PAGE)
    (app_dir / "pages" / "tall.yaml").write_text(TALL_PAGE)
    return app_dir


# ---- npm packages and bundles ----------------------------------------------------------


def npm_ci() -> None:
    """`npm ci` in tests/sdk/hostpages unless node_modules matches the lock file."""
    lock = HOSTPAGES / "package-lock.json"
    marker = HOSTPAGES / "node_modules" / ".package-lock.json"
    if marker.exists() and marker.stat().st_mtime >= lock.stat().st_mtime:
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is missing: install Node.js 20 (needed for the SDK host pages)")
    result = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=HOSTPAGES,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"npm ci failed in {HOSTPAGES}:\n{result.stdout}\n{result.stderr}")


def build_bundles(out_dir: Path) -> None:
    esbuild = HOSTPAGES / "node_modules" / ".bin" / "esbuild"
    env = {**os.environ, "NODE_PATH": str(HOSTPAGES / "node_modules")}
    for name in BUNDLES:
        result = subprocess.run(
            [
                str(esbuild),
                str(HOSTPAGES / "entries" / f"{name}.js"),
                "--bundle",
                "--format=iife",
                "--log-level=warning",
                '--define:process.env.NODE_ENV="production"',
                f"--outfile={out_dir / f'{name}.js'}",
            ],
            cwd=HOSTPAGES,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if result.returncode != 0:
            pytest.fail(f"esbuild {name} failed:\n{result.stdout}\n{result.stderr}")


@pytest.fixture(scope="session")
def host_bundles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    npm_ci()
    out_dir = tmp_path_factory.mktemp("host-bundles")
    build_bundles(out_dir)
    return out_dir


# ---- the host product ------------------------------------------------------------------


@dataclass
class HostConfig:
    inset_url: str = ""  # what the browser uses (INSET_PUBLIC_URL)
    inset_api: str = ""  # what the host backend calls
    embed_token: str = ""
    bundles: Path = Path()
    mint_log: list[dict[str, str]] = field(default_factory=list)
    mint_fail: set[str] = field(default_factory=set)  # users whose backend refuses to mint


class _HostHandler(BaseHTTPRequestHandler):
    config: HostConfig

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        url = urlparse(self.path)
        cfg = self.config
        if url.path == "/mint":
            self._mint({k: v[0] for k, v in parse_qs(url.query).items()})
            return
        if url.path == "/cookie-probe":  # framed cross-site: can it keep a plain cookie?
            # Only its own cookie counts: cookies ignore ports, so Inset's session cookie
            # (cookie mode, localhost:<p1>) may be sent here too, depending on timing.
            body = (
                b"<p id='r'></p><script>fetch('/cookie-set').then(() => fetch('/cookie-get'))"
                b".then((r) => r.text()).then((t) => {"
                b" document.getElementById('r').textContent ="
                b" 'probe cookie: ' + (t.split('; ').includes('probe=1') ? 'kept' : 'refused');"
                b" });</script>"
            )
            self._send(200, body, "text/html; charset=utf-8")
            return
        if url.path == "/cookie-set":
            self.send_response(204)
            self.send_header("Set-Cookie", "probe=1; Path=/; Secure; HttpOnly; SameSite=None")
            self.end_headers()
            return
        if url.path == "/cookie-get":
            self._send(200, (self.headers.get("Cookie") or "").encode(), "text/plain")
            return
        if url.path.startswith("/bundles/"):
            path = cfg.bundles / Path(url.path).name
            ctype = "text/javascript; charset=utf-8"
        else:
            path = HOSTPAGES / (Path(url.path).name or "sdk.html")
            ctype = (
                "text/javascript; charset=utf-8"
                if path.suffix == ".js"
                else "text/html; charset=utf-8"
            )
        if not path.is_file() or path.suffix not in (".html", ".js"):
            self._send(404, b"not found", "text/plain")
            return
        body = path.read_text().replace("{{INSET}}", cfg.inset_url).encode()
        self._send(200, body, ctype)

    def _mint(self, query: dict[str, str]) -> None:
        cfg = self.config
        user = query.get("user", "user-1")
        cfg.mint_log.append(query)
        if user in cfg.mint_fail:
            self._send(403, b'{"error": "not allowed"}', "application/json")
            return
        body: dict[str, Any] = {
            "landingPageUuid": APP_UUID,
            "groupIds": ["suppliers"],
            "externalIdentifier": user,
            "metadata": {"supplierId": int(query.get("supplier", "1"))},
            "parentOrigin": f"http://127.0.0.1:{self.server.server_address[1]}",
            "sessionMode": query.get("mode", "cookieless"),
        }
        if query.get("page"):
            body["pageName"] = query["page"]
        if query.get("minutes"):
            body["sessionDurationMinutes"] = int(query["minutes"])
        response = httpx.post(
            f"{cfg.inset_api}/api/embed-url/external-user",
            json=body,
            headers={"Authorization": f"Bearer {cfg.embed_token}"},
            timeout=10,
        )
        self._send(response.status_code, response.content, "application/json")

    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class SdkServer:
    inset_url: str  # http://localhost:<p1>
    host_origin: str  # http://127.0.0.1:<p2>
    other_origin: str  # http://localhost:<p2>: same host server, another origin
    admin_token: str
    config: HostConfig
    log_path: Path

    def host(self, page: str, **params: str) -> str:
        query = f"?{httpx.QueryParams(params)}" if params else ""
        return f"{self.host_origin}/{page}{query}"

    def revoke(self, external_id: str) -> int:
        response = httpx.post(
            f"{self.config.inset_api}/api/v1/external-users/{external_id}/revoke-sessions",
            headers={"Authorization": f"Bearer {self.admin_token}"},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        revoked: int = response.json()["revoked"]
        return revoked


@pytest.fixture(scope="session")
def sdk_server(tmp_path_factory: pytest.TempPathFactory, host_bundles: Path) -> Iterator[SdkServer]:
    root = tmp_path_factory.mktemp("inset-sdk")
    port = free_port()
    inset_url = f"http://localhost:{port}"
    config = HostConfig(inset_url=inset_url, inset_api=f"http://127.0.0.1:{port}")
    config.bundles = host_bundles
    handler = type("HostHandler", (_HostHandler,), {"config": config})
    with host_server(handler) as host_origin:
        host_port = urlparse(host_origin).port
        env = server_env(root, inset_url, {"INSET_SECRET_KEY": SECRET_KEY})
        warehouse = root / "warehouse.db"
        write_warehouse(warehouse)
        app_dir = write_sdk_app(root, host_origin)
        run_cli(env, "db", "upgrade")
        run_cli(env, "groups", "create", "suppliers")
        run_cli(env, "resources", "add", "warehouse", "--type", "sqlite", "--url", str(warehouse))
        run_cli(env, "deploy", str(app_dir))
        config.embed_token = run_cli(
            env, "tokens", "create", "--name", "sdk-embed", "--scope", "embed"
        )
        admin_token = run_cli(env, "tokens", "create", "--name", "sdk-admin", "--scope", "admin")
        with running_server(root, env=env, port=port, migrate=False) as server:
            yield SdkServer(
                inset_url=inset_url,
                host_origin=host_origin,
                other_origin=f"http://localhost:{host_port}",
                admin_token=admin_token,
                config=config,
                log_path=server.log_path,
            )


# ---- the browser -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def sdk_browser() -> Iterator[Browser]:
    with chromium_browser(SDK_CHROMIUM_ARGS) as browser:
        yield browser


@pytest.fixture
def open_page(sdk_browser: Browser, sdk_server: SdkServer) -> Iterator[Callable[..., Page]]:
    """open_page(url, **context_options) -> a page in a fresh context, posts recorded."""
    contexts = []

    def _open(url: str, **options: Any) -> Page:
        context = sdk_browser.new_context(viewport={"width": 1000, "height": 900}, **options)
        context.add_init_script(POST_RECORDER % sdk_server.inset_url)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(url)
        return page

    try:
        yield _open
    finally:
        for context in contexts:
            context.close()
