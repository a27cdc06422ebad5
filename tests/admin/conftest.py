"""Admin UI tests: backend tests use the shared `client`/`database` fixtures; browser tests
use one real `inset serve` (session-scoped) with an admin user created through the CLI
(`inset admin create-user EMAIL --password-stdin`), a group, a deployed app and tokens, and
Debian's Chromium through Playwright.

Fixtures: `admin_server` (AdminServer), `admin_browser`, `admin_console`, `anon_page` (a
fresh context at /admin, not signed in) and `admin_page` (signed in, the Overview shown).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.live import (
    Console,
    chromium_browser,
    free_port,
    recorded_page,
    run_cli,
    running_server,
    server_env,
)

ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "correct horse battery staple"
APP_UUID = "7c1d3c1e-2f7a-4d8e-9c61-0a4b2e9d5f21"
HOST_ORIGIN = "https://host.example"
expect.set_options(timeout=15_000)
BOOT = re.compile(r'<script type="application/json" id="inset-boot">(.*?)</script>', re.S)

APP_YAML = f"""\
uuid: {APP_UUID}
name: Admin test app
access:
  - {{group: suppliers, level: use}}
embed:
  parentOrigins: ["{HOST_ORIGIN}"]
pages: [home]
"""
HOME_PAGE = """\
title: Home
components:
  - {type: heading, value: Hello, level: 1}
"""


def write_app(root: Path) -> Path:
    app_dir = root / "apps" / "admin-test"
    (app_dir / "pages").mkdir(parents=True)
    (app_dir / "app.yaml").write_text(APP_YAML)
    (app_dir / "pages" / "home.yaml").write_text(HOME_PAGE)
    return app_dir


@dataclass
class AdminServer:
    url: str
    env: dict[str, str]
    root: Path
    log_path: Path
    embed_token: str
    admin_token: str
    app_uuid: str = APP_UUID

    def mint(self, external_id: str, token: str | None = None) -> httpx.Response:
        """POST /api/embed-url/external-user for the test app (group suppliers)."""
        body: dict[str, Any] = {
            "landingPageUuid": self.app_uuid,
            "groupIds": ["suppliers"],
            "externalIdentifier": external_id,
            "userInfo": {"email": f"{external_id}@example.com", "firstName": "Test"},
        }
        return httpx.post(
            f"{self.url}/api/embed-url/external-user",
            json=body,
            headers={"Authorization": f"Bearer {token or self.embed_token}"},
            timeout=10,
        )

    def start_embed_session(self, external_id: str) -> str:
        """Mint and redeem an embed URL; the cookieless session's bearer secret."""
        minted = self.mint(external_id)
        assert minted.status_code == 200, minted.text
        page = httpx.get(minted.json()["embedUrl"], timeout=10)
        assert page.status_code == 200, page.text
        match = BOOT.search(page.text)
        assert match, page.text
        token: str = json.loads(match.group(1))["sessionToken"]
        return token

    def runtime_status(self, session_token: str) -> int:
        response = httpx.get(
            f"{self.url}/api/runtime/app",
            headers={"Authorization": f"Bearer {session_token}"},
            timeout=10,
        )
        return response.status_code


@pytest.fixture(scope="session")
def admin_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AdminServer]:
    """`inset serve` with an admin user, the group `suppliers`, a deployed app and tokens."""
    root = tmp_path_factory.mktemp("inset-admin")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # Every browser test signs in afresh from 127.0.0.1 within a minute or two: more than
    # the default 20 attempts/minute per IP (test_admin_auth.py tests the limit itself).
    env = server_env(root, url, {"INSET_ADMIN_LOGIN_RATE_LIMIT": "1000/minute"})
    run_cli(env, "db", "upgrade")
    run_cli(env, "admin", "create-user", ADMIN_EMAIL, "--password-stdin", stdin=ADMIN_PASSWORD)
    run_cli(env, "groups", "create", "suppliers")
    run_cli(env, "deploy", str(write_app(root)))
    embed_token = run_cli(env, "tokens", "create", "--name", "test-embed", "--scope", "embed")
    admin_token = run_cli(env, "tokens", "create", "--name", "test-admin", "--scope", "admin")
    with running_server(root, env=env, port=port, migrate=False) as server:
        yield AdminServer(
            url=url,
            env=env,
            root=root,
            log_path=server.log_path,
            embed_token=embed_token.strip(),
            admin_token=admin_token.strip(),
        )


@pytest.fixture(scope="module")
def admin_browser() -> Iterator[Browser]:
    with chromium_browser() as browser:
        yield browser


@pytest.fixture
def admin_console() -> Console:
    return Console()


def sign_in(page: Page, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD) -> None:
    """Fill the sign-in form of the page (already at /admin) and submit it."""
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def anon_page(
    admin_server: AdminServer, admin_browser: Browser, admin_console: Console
) -> Iterator[Page]:
    """A fresh browser context at /admin, not signed in (the sign-in form shown)."""
    with recorded_page(admin_browser, admin_console, width=1280, height=900) as page:
        page.set_default_timeout(20_000)  # a loaded 2-core machine: generous, never a check
        page.goto(f"{admin_server.url}/admin")
        expect(page.get_by_role("heading", name="Sign in to Inset")).to_be_visible()
        yield page


@pytest.fixture
def admin_page(anon_page: Page, admin_console: Console) -> Iterator[Page]:
    """A signed-in admin UI (fresh context), showing the Overview. Fails on CSP violations
    and uncaught errors."""
    sign_in(anon_page)
    expect(anon_page.get_by_role("navigation", name="Admin")).to_be_visible()
    yield anon_page
    assert admin_console.csp_violations() == []
    assert admin_console.errors == []


def open_nav(page: Page, label: str) -> None:
    """Open a page of the admin UI through its navigation link (admin-2's helper)."""
    page.get_by_role("navigation", name="Admin").get_by_role("link", name=label).click()
