"""`inset dev` end to end: the real command in a subprocess, its dev page in Chromium.

Preview as two users of different tenants, edit a page on disk and see the iframe follow
by itself, break the YAML and see file:line on the page, fix it and see the app return."""

from __future__ import annotations

import re
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import FrameLocator, Page, expect

from tests.dev.apps import (
    DEFAULT_HEADING,
    GROUP,
    RESOURCE,
    SLUG,
    write_app,
    write_broken_page,
    write_page,
    write_tenant_db,
)
from tests.support.live import (
    Console,
    LiveServer,
    free_port,
    run_cli,
    running_server,
    server_env,
    stop_process,
)

pytestmark = pytest.mark.browser

WAIT_MS = 20_000  # waiting for a reload, not a performance bound


@contextmanager
def started_dev(root: Path) -> Iterator[LiveServer]:
    """`inset dev APPS --resource tenantdb=sqlite:…` on a fresh data dir with the group."""
    port = free_port()
    env = server_env(root, f"http://127.0.0.1:{port}")
    run_cli(env, "db", "upgrade")
    run_cli(env, "groups", "create", GROUP)
    apps = root / "apps"
    write_app(apps)
    tenant_db = write_tenant_db(root / "tenant.db")
    command = ("dev", str(apps), "--resource", f"{RESOURCE}=sqlite:{tenant_db}")
    with running_server(
        root, env=env, port=port, command=command, log_name="dev.log", migrate=False
    ) as server:
        yield server


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with started_dev(tmp_path_factory.mktemp("dev")) as server:
        yield server


@pytest.fixture
def dev(dev_server: LiveServer) -> Iterator[LiveServer]:
    """The shared `inset dev`; afterwards its files are put back and it shows draft-1."""
    yield dev_server
    write_page(dev_server.root / "apps" / SLUG, DEFAULT_HEADING)
    for _ in range(600):  # a bounded wait for the reload, not a performance check
        state = httpx.get(f"{dev_server.url}/dev/api/state").json()
        if state["ok"] and state["drafts"][0]["version"] == "draft-1":
            return
        time.sleep(0.05)
    pytest.fail(f"inset dev did not come back to draft-1:\n{dev_server.log()}")


def _frame(page: Page) -> FrameLocator:
    return page.frame_locator("#dev-preview")


def _expect_rows(page: Page, labels: list[str]) -> None:
    rows = _frame(page).locator("tbody tr")
    expect(rows).to_have_count(len(labels), timeout=WAIT_MS)
    for row, label in zip(rows.all(), labels, strict=True):
        expect(row).to_contain_text(label)


def _preview_as(page: Page, identifier: str, metadata: str) -> None:
    page.get_by_label("External identifier").fill(identifier)
    page.get_by_label("Metadata (JSON)").fill(metadata)
    page.get_by_role("button", name="Preview").click()


def test_preview_as_two_users_shows_each_their_rows(
    dev: LiveServer, page: Page, console: Console
) -> None:
    page.goto(f"{dev.url}/dev")
    expect(page.get_by_role("checkbox", name=GROUP)).to_be_checked()  # the app's group
    _preview_as(page, "user-a", '{"tenant": "a"}')
    _expect_rows(page, ["alpha-1", "alpha-2"])
    _preview_as(page, "user-b", '{"tenant": "b"}')
    _expect_rows(page, ["beta-1"])
    # The chosen identity survives a reload of the dev page.
    page.reload()
    expect(page.get_by_label("External identifier")).to_have_value("user-b")
    _expect_rows(page, ["beta-1"])
    # Metadata that is not a JSON object is caught on the page.
    page.get_by_label("Metadata (JSON)").fill("{tenant")
    expect(page.get_by_role("alert")).to_contain_text("Metadata is not valid JSON")
    expect(page.get_by_role("button", name="Preview")).to_be_disabled()
    assert not console.csp_violations(), console.messages
    assert not console.errors


def test_editing_a_page_reloads_the_iframe_by_itself(dev: LiveServer, page: Page) -> None:
    page.goto(f"{dev.url}/dev")
    _preview_as(page, "user-a", '{"tenant": "a"}')
    heading = _frame(page).get_by_role("heading", level=1)
    expect(heading).to_have_text(DEFAULT_HEADING, timeout=WAIT_MS)
    write_page(dev.root / "apps" / SLUG, "Edited on disk")
    expect(heading).to_have_text("Edited on disk", timeout=WAIT_MS)
    _expect_rows(page, ["alpha-1", "alpha-2"])  # still as user A
    expect(page.get_by_role("status").first).to_contain_text(re.compile(r"draft-\d+ · Reloaded at"))
    assert re.search(r"deployed draft \d+ in \d+ ms", dev.log())


def test_broken_yaml_shows_file_line_then_the_fix_brings_the_app_back(
    dev: LiveServer, page: Page
) -> None:
    page.goto(f"{dev.url}/dev")
    expect(_frame(page).get_by_role("heading", level=1)).to_have_text(
        DEFAULT_HEADING, timeout=WAIT_MS
    )
    app_dir = dev.root / "apps" / SLUG
    write_broken_page(app_dir)
    issues = page.locator(".dev-issues--error")
    expect(issues).to_contain_text(f"{app_dir}/pages/rows.yaml:", timeout=WAIT_MS)
    expect(page.locator(".dev-frame--stale")).to_be_visible()  # last good draft, greyed
    expect(page.get_by_role("status").first).to_contain_text("error")
    assert f"{app_dir}/pages/rows.yaml:" in dev.log()
    write_page(app_dir, "Fixed again")
    expect(_frame(page).get_by_role("heading", level=1)).to_have_text(
        "Fixed again", timeout=WAIT_MS
    )
    expect(issues).to_have_count(0)
    expect(page.locator(".dev-frame--stale")).to_have_count(0)


def test_ctrl_c_stops_cleanly_and_removes_the_session_resource(tmp_path: Path) -> None:
    with started_dev(tmp_path) as dev:
        _ctrl_c(dev)


def _ctrl_c(dev: LiveServer) -> None:
    dev.process.send_signal(signal.SIGINT)
    try:
        code = dev.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        stop_process(dev.process)
        pytest.fail(f"inset dev did not stop on Ctrl-C:\n{dev.log()}")
    assert code == 0, dev.log()
    assert "Stopped." in dev.log()
    assert "Traceback" not in dev.log()
    assert "development" not in run_cli(dev.env, "resources", "list")


def test_no_dev_page_on_inset_serve(tmp_path: Path) -> None:
    with running_server(tmp_path) as server:
        assert httpx.get(f"{server.url}/dev").status_code == 404
        assert httpx.get(f"{server.url}/dev/api/state").status_code == 404
