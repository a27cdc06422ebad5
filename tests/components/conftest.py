"""Component tests: the example apps (component gallery, customer settings) deployed to a
real `inset serve` with their sample data, driven in Debian's Chromium through Playwright.

Reuses the browser tests' fixtures (tests/browser/conftest.py): the browser, the console
recorder and the host product on another origin.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page

from tests.browser.conftest import _HostHandler, browser, console
from tests.support.live import (
    Console,
    free_port,
    host_server,
    recorded_page,
    run_cli,
    running_server,
    server_env,
)

__all__ = ["browser", "console"]

EXAMPLES = Path(__file__).parents[2] / "examples"
GALLERY_UUID = "3c9e6f10-2a4b-4d7e-9f61-8b5a0c7d2e41"
SETTINGS_UUID = "9a41c2d7-5e3b-4f08-8c6d-1b2e7f4a9d53"
ONBOARDING_UUID = "9f7f48f4-5fff-4cd5-ba0b-8a0eef00e28c"


def load_sample_data(example: str) -> ModuleType:
    """examples/EXAMPLE/sample_data.py as a module (it isn't a package)."""
    path = EXAMPLES / example / "sample_data.py"
    spec = importlib.util.spec_from_file_location(f"sample_data_{example.replace('-', '_')}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def copy_example(example: str, root: Path, host_origin: str) -> Path:
    """A copy of an example app that the test host page may embed."""
    target = root / "apps" / example
    shutil.copytree(
        EXAMPLES / example, target, ignore=shutil.ignore_patterns("*.py", "__pycache__")
    )
    app_yaml = target / "app.yaml"
    text = re.sub(
        r"parentOrigins: \[.*\]", f'parentOrigins: ["{host_origin}"]', app_yaml.read_text()
    )
    app_yaml.write_text(text)
    return target


@dataclass
class Server:
    base_url: str
    host_origin: str
    embed_token: str
    root: Path

    def mint(
        self,
        app_uuid: str,
        external_id: str,
        groups: list[str],
        *,
        parent: bool = False,
        **metadata: Any,
    ) -> str:
        """A single-use embed URL; ``parent``: pinned to the host page's origin (messages)."""
        body: dict[str, Any] = {
            "landingPageUuid": app_uuid,
            "groupIds": groups,
            "externalIdentifier": external_id,
            "userInfo": {"email": f"{external_id}@example.com", "firstName": "Test"},
            "metadata": metadata,
        }
        if parent:
            body["parentOrigin"] = self.host_origin
        response = httpx.post(
            f"{self.base_url}/api/embed-url/external-user",
            json=body,
            headers={"Authorization": f"Bearer {self.embed_token}"},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        url: str = response.json()["embedUrl"]
        return url

    def host_url(self, embed_url: str) -> str:
        return f"{self.host_origin}/host?{httpx.QueryParams({'src': embed_url})}"


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`inset serve` with the gallery, customer-settings and onboarding examples and data."""
    root = tmp_path_factory.mktemp("inset-components")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    with host_server(_HostHandler) as host_origin:
        env = server_env(root, base_url)
        gallery_db = load_sample_data("component-gallery").create(root / "gallery.db")
        settings_db = load_sample_data("customer-settings").create(root / "settings.db")
        onboarding_db = load_sample_data("onboarding").create(root / "onboarding.db")
        run_cli(env, "db", "upgrade")
        groups = ("onboarding-customers", "onboarding-staff")
        for group in ("gallery-users", "customers", "customer-admins", *groups):
            run_cli(env, "groups", "create", group)
        run_cli(env, "resources", "add", "gallery", "--type", "sqlite", "--url", str(gallery_db))
        run_cli(env, "resources", "add", "settings", "--type", "sqlite", "--url", str(settings_db))
        run_cli(
            env, "resources", "add", "onboarding", "--type", "sqlite", "--url", str(onboarding_db)
        )
        for example in ("component-gallery", "customer-settings", "onboarding"):
            run_cli(env, "deploy", str(copy_example(example, root, host_origin)))
        embed_token = run_cli(
            env, "tokens", "create", "--name", "components-embed", "--scope", "embed"
        )
        with running_server(root, env=env, port=port, migrate=False):
            yield Server(base_url, host_origin, embed_token, root)


@pytest.fixture
def page(browser: Browser, console: Console) -> Iterator[Page]:
    """A fresh context per test, 1100x800, recording the console."""
    with recorded_page(browser, console) as opened:
        yield opened
