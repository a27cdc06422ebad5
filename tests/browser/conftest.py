"""Browser tests: Debian's Chromium through Playwright (never `playwright install`), a real
`inset serve` subprocess on a free port, and a tiny host product on another origin that
embeds the app in an iframe and records the messages it receives.

The server gets its own data dir: a SQLite metadata database, a sample "warehouse" SQLite
resource, the groups, tokens and a deployed test app, all made through the `inset` CLI as
an operator would.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page

from tests.support.live import (
    SECRET_KEY,
    Console,
    chromium_browser,
    free_port,
    host_server,
    recorded_page,
    run_cli,
    running_server,
    server_env,
)

__all__ = ["SECRET_KEY", "Console", "free_port"]

APP_UUID = "5b0f9a52-7d1e-4b8e-9a51-3f4c2d8e6a10"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium_browser() as launched:
        yield launched


@pytest.fixture
def console() -> Console:
    return Console()


@pytest.fixture
def page(browser: Browser, console: Console) -> Iterator[Page]:
    """A fresh browser context (no shared storage) per test; records the console."""
    with recorded_page(browser, console) as opened:
        yield opened


# ---- the test app and its data ---------------------------------------------------------

PRODUCTS = [
    (f"SKU-{i:03d}", f"{['Bolt', 'Nut', 'Gear', 'Washer', 'Spring'][i % 5]} {i}", (i * 37) % 200, i)
    for i in range(1, 26)
]

APP_YAML = """\
uuid: {uuid}
name: Runtime test
access:
  - {{group: suppliers, level: use}}
embed:
  parentOrigins: ["{host_origin}"]
pages: [stock, broken]
queries:
  stock:
    resource: warehouse
    sql: |
      SELECT sku, name, quantity, price FROM products
      WHERE supplier_id = {{{{ current_user.metadata.supplierId }}}}
        AND (name LIKE '%' || {{{{ search }}}} || '%' OR sku LIKE '%' || {{{{ search }}}} || '%')
      ORDER BY sku
    params:
      search: {{type: string, maxLength: 100, value: "{{{{ search.value }}}}"}}
    trigger: auto
  broken:
    resource: warehouse
    sql: SELECT sku FROM no_such_table
    trigger: auto
"""

STOCK_PAGE = """\
title: Stock
components:
  - {type: heading, value: Stock on hand, level: 1}
  - {type: text, value: "Your products.\\nOne line per SKU."}
  - {id: search, type: text_input, label: Search, placeholder: SKU or name}
  - id: stockTable
    type: table
    data: "{{ queries.stock.data }}"
    pageSize: 10
    columns:
      - {key: sku, label: SKU}
      - {key: name, label: Name}
      - {key: quantity, label: Quantity, format: number}
      - {key: price, label: Price, format: currency, currency: EUR}
  - {id: selected, type: stat, label: Selected SKU, value: "{{ stockTable.selectedRow.sku }}"}
  - {id: refresh, type: button, label: Refresh, on_click: [{run: stock}]}
"""

BROKEN_PAGE = """\
title: Broken
components:
  - {type: heading, value: Broken page}
  - {id: brokenTable, type: table, data: "{{ queries.broken.data }}"}
"""


def write_app(root: Path, host_origin: str) -> Path:
    app_dir = root / "apps" / "runtime-test"
    (app_dir / "pages").mkdir(parents=True)
    (app_dir / "app.yaml").write_text(APP_YAML.format(uuid=APP_UUID, host_origin=host_origin))
    (app_dir / "pages" / "stock.yaml").write_text(STOCK_PAGE)
    (app_dir / "pages" / "broken.yaml").write_text(BROKEN_PAGE)
    return app_dir


def write_warehouse(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE products (sku TEXT PRIMARY KEY, name TEXT, quantity INTEGER, "
            "price REAL, supplier_id INTEGER)"
        )
        rows = [(sku, name, qty, round(1.5 * i, 2), 1) for sku, name, qty, i in PRODUCTS]
        rows.append(("OTHER-1", "Another supplier's bolt", 1, 1.0, 2))
        conn.executemany("INSERT INTO products VALUES (?, ?, ?, ?, ?)", rows)


# ---- the host product (another origin) -------------------------------------------------

HOST_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Host product</title></head>
<body>
<h1>Host product</h1>
<iframe id="inset" title="Inset app" width="900" height="400"></iframe>
<script>
  window.msgs = [];
  const frame = document.getElementById("inset");
  window.addEventListener("message", (event) => {
    if (event.source !== frame.contentWindow) return;
    window.msgs.push({ origin: event.origin, data: event.data });
    const d = event.data;
    if (d && d.type === "inset:resize") frame.height = String(d.height);
    if (d && d.type === "PARENT_WINDOW_QUERY") {
      event.source.postMessage({ type: "PARENT_WINDOW_RESULT", id: d.id, result: "ACME",
        pageName: d.pageName }, event.origin);
    }
  });
  frame.addEventListener("load", () => frame.contentWindow.postMessage(
    { type: "inset:hello", version: 1 }, new URL(frame.src).origin));
  frame.src = new URLSearchParams(location.search).get("src");
</script>
</body></html>
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


# ---- the Inset server ------------------------------------------------------------------


@dataclass
class LiveServer:
    base_url: str
    host_origin: str
    embed_token: str
    admin_token: str
    app_uuid: str
    log_path: Path

    def mint(self, external_id: str = "user-1", **body: Any) -> str:
        """A fresh single-use embed URL for the test app."""
        payload: dict[str, Any] = {
            "landingPageUuid": self.app_uuid,
            "groupIds": ["suppliers"],
            "externalIdentifier": external_id,
            "userInfo": {"email": f"{external_id}@example.com", "firstName": "Test"},
            "metadata": {"supplierId": 1},
        }
        payload.update(body)
        response = httpx.post(
            f"{self.base_url}/api/embed-url/external-user",
            json=payload,
            headers={"Authorization": f"Bearer {self.embed_token}"},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        url: str = response.json()["embedUrl"]
        return url

    def host_url(self, embed_url: str) -> str:
        """The host product's page embedding ``embed_url``."""
        return f"{self.host_origin}/host?{httpx.QueryParams({'src': embed_url})}"

    def revoke(self, external_id: str) -> None:
        response = httpx.post(
            f"{self.base_url}/api/v1/external-users/{external_id}/revoke-sessions",
            headers={"Authorization": f"Bearer {self.admin_token}"},
            timeout=10,
        )
        assert response.status_code in (200, 204), response.text


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """`inset serve` on a free port with the test app deployed, plus the host product."""
    root = tmp_path_factory.mktemp("inset-browser")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    with host_server(_HostHandler) as host_origin:
        env = server_env(root, base_url)
        warehouse = root / "warehouse.db"
        write_warehouse(warehouse)
        app_dir = write_app(root, host_origin)
        run_cli(env, "db", "upgrade")
        run_cli(env, "groups", "create", "suppliers")
        run_cli(env, "resources", "add", "warehouse", "--type", "sqlite", "--url", str(warehouse))
        run_cli(env, "deploy", str(app_dir))
        embed_token = run_cli(
            env, "tokens", "create", "--name", "browser-embed", "--scope", "embed"
        )
        admin_token = run_cli(
            env, "tokens", "create", "--name", "browser-admin", "--scope", "admin"
        )
        with running_server(root, env=env, port=port, migrate=False) as server:
            yield LiveServer(
                base_url=base_url,
                host_origin=host_origin,
                embed_token=embed_token,
                admin_token=admin_token,
                app_uuid=APP_UUID,
                log_path=server.log_path,
            )


def messages_of(page: Page, type_: str | None = None) -> list[dict[str, Any]]:
    """Messages the host page received from the iframe (origin and data)."""
    msgs: list[dict[str, Any]] = page.evaluate("window.msgs")
    if type_ is None:
        return msgs
    return [m for m in msgs if isinstance(m["data"], dict) and m["data"].get("type") == type_]


def dump(value: Any) -> str:
    return json.dumps(value, indent=1, default=str)
