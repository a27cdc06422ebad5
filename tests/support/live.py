"""Running the real thing in tests: `inset` CLI commands and `inset serve` subprocesses on
free ports, Debian's Chromium through Playwright (never `playwright install`), and small
host pages on another origin.

Every browser and multi-process test builds on these helpers; fixtures stay in each test
package's conftest.py and call them.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
)
SERVER_START_TIMEOUT = 30.0
SECRET_KEY = "browser-test-secret-key-not-for-production-0123456789"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(root: Path, public_url: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of an `inset` process with its own data dir under ``root``: this
    process's environment without any INSET_* variable, plus the test settings."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("INSET_")}
    env.update(
        {
            "INSET_DATA_DIR": str(root),
            "INSET_SECRET_KEY": SECRET_KEY,
            "INSET_PUBLIC_URL": public_url,
            "INSET_LOG_LEVEL": "warning",
        }
    )
    env.update(extra or {})
    return env


def cli_process(
    env: dict[str, str],
    *args: str,
    stdin: str | None = None,
    cwd: Path | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """`inset ARGS…` in a subprocess with ``env``; its exit code and output, whatever they are."""
    return subprocess.run(
        [sys.executable, "-m", "inset", *args],
        env=env,
        input=stdin,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_cli(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    """Run `inset ARGS…` as an operator would; fail the test with its output if it fails."""
    result = cli_process(env, *args, stdin=stdin, timeout=60)
    if result.returncode != 0:
        pytest.fail(
            f"`inset {' '.join(args)}` failed ({result.returncode}):\n"
            f"{result.stdout}\n{result.stderr}"
        )
    return result.stdout.strip()


def wait_healthy(url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    """Wait until GET url/healthz answers 200; fail with the server log if it never does."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    last_error = ""
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"`inset` exited with {process.returncode} before it was healthy:\n"
                f"{log_path.read_text(errors='replace')}"
            )
        try:
            response = httpx.get(f"{url}/healthz", timeout=1)
            if response.status_code == 200:
                return
            last_error = f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            last_error = repr(exc)
        time.sleep(0.1)
    stop_process(process)
    pytest.fail(
        f"`inset` was not healthy after {SERVER_START_TIMEOUT}s ({last_error}):\n"
        f"{log_path.read_text(errors='replace')}"
    )


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if it has not exited within 10 s."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


@dataclass
class LiveServer:
    """A running `inset serve` (or `inset dev`) subprocess."""

    url: str  # where the test reaches it: http://127.0.0.1:PORT
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    log_path: Path
    root: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_server(
    root: Path,
    *,
    env: dict[str, str] | None = None,
    port: int | None = None,
    env_extra: dict[str, str] | None = None,
    command: Sequence[str] = ("serve",),
    log_name: str = "server.log",
    migrate: bool = True,
) -> LiveServer:
    """Migrate the metadata database and start `inset COMMAND --host 127.0.0.1 --port P`.

    Pass ``env`` (from :func:`server_env`, after seeding with :func:`run_cli`) to start on
    prepared data (``migrate=False`` if the seeding migrated already); by default a fresh
    SQLite data dir under ``root``."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(env) if env is not None else server_env(root, url)
    env.update(env_extra or {})
    if migrate:
        run_cli(env, "db", "upgrade")
    log_path = root / log_name
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "inset", *command, "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    wait_healthy(url, process, log_path)
    return LiveServer(url=url, env=env, process=process, log_path=log_path, root=root)


def stop_server(server: LiveServer) -> None:
    stop_process(server.process)


@contextmanager
def running_server(root: Path, **options: object) -> Iterator[LiveServer]:
    """:func:`start_server` as a context manager that always stops the process."""
    server = start_server(root, **options)  # type: ignore[arg-type]
    try:
        yield server
    finally:
        stop_server(server)


@contextmanager
def host_server(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A threaded HTTP server on 127.0.0.1 (a host product on another origin); yields its
    origin."""
    host = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=host.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{host.server_address[1]}"
    finally:
        host.shutdown()
        host.server_close()


@contextmanager
def chromium_browser(args: Sequence[str] = CHROMIUM_ARGS) -> Iterator[Browser]:
    """Debian's Chromium, headless, through Playwright."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=list(args))
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Console:
    """What a page logged: console messages and uncaught errors."""

    messages: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        self.messages.append(f"{message.type}: {message.text}")

    def csp_violations(self) -> list[str]:
        return [m for m in self.messages if "Content Security Policy" in m or "Refused to" in m]


@contextmanager
def recorded_page(
    browser: Browser, console: Console, width: int = 1100, height: int = 800
) -> Iterator[Page]:
    """A page in a fresh browser context (no shared storage) that records its console."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("console", console.on_console)
    page.on("pageerror", lambda exc: console.errors.append(str(exc)))
    try:
        yield page
    finally:
        context.close()


# Runs in every frame before its scripts. In Inset's frames it records the targetOrigin of
# every postMessage to window.parent (window.__insetPosts) without changing behaviour: the
# real parent is wrapped in a Proxy whose postMessage records and forwards, and
# MessageEvent.source maps the real parent to that Proxy so the runtime's `source ===
# parent` check still holds. (A cross-origin WindowProxy's methods cannot be patched.)
POST_RECORDER = """
(() => {
  if (window === window.top || location.origin !== %r) return;
  const realParent = window.parent;
  const posts = [];
  Object.defineProperty(window, "__insetPosts", { value: posts });
  const forward = function (message, targetOrigin, transfer) {
    const type = message && typeof message === "object" ? message.type : typeof message;
    posts.push({ type: String(type), targetOrigin: String(targetOrigin) });
    return realParent.postMessage(message, targetOrigin, transfer);
  };
  const proxy = new Proxy(realParent, {
    get(target, key) { return key === "postMessage" ? forward : Reflect.get(target, key); },
  });
  Object.defineProperty(window, "parent", { get: () => proxy, configurable: true });
  const source = Object.getOwnPropertyDescriptor(MessageEvent.prototype, "source");
  Object.defineProperty(MessageEvent.prototype, "source", {
    configurable: true,
    get() { const s = source.get.call(this); return s === realParent ? proxy : s; },
  });
})();
"""
