"""The work behind ``inset demo`` (imported only when the command runs: it pulls in
uvicorn, Alembic and both web apps).

It prepares a demo data dir (SQLite metadata, a generated secret key, the sample
"warehouse" database), creates the groups, the ``warehouse`` resource and an embed token,
deploys the example supplier portal, then serves two apps from one process: Inset itself
and Northwind Marketplace, a host product on another origin that embeds the portal.

The host's embed token is created fresh on every start and lives only in this process's
memory: the previous run's token is revoked first (and this run's on a clean exit), so no
usable access token is ever written to disk or printed.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import re
import secrets
import shutil
import signal
import socket
import sys
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import uvicorn

from inset import migrations
from inset.access import service as access
from inset.app import create_app
from inset.apps.service import deploy_directory
from inset.auth import service as auth
from inset.cli_support import CLI_ACTOR, cli_user, fail, stderr
from inset.db import Database, describe_db_error
from inset.demo.data import create_warehouse
from inset.demo.host import HostConfig, Secret, create_host_app
from inset.errors import InsetError
from inset.resources import service as resources
from inset.resources import storage as resource_storage
from inset.resources.models import Resource
from inset.security import reset_key_cache
from inset.settings import get_settings

T = TypeVar("T")

MARKER = ".inset-demo"
APP_FOLDER = "supplier-portal"
HOST_TOKEN_NAME = "demo host: Northwind Marketplace"
RESOURCE_NAME = "warehouse"
GROUPS = ("suppliers", "staff")
BIND = "127.0.0.1"
DEFAULT_HOST_PORT = 8701
_ORIGINS_LINE = re.compile(r"^(\s*parentOrigins:\s*)\[.*\]\s*$", re.MULTILINE)


def example_app_dir() -> Path:
    """The example supplier portal: packaged inside the wheel, or in the source checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (
        here / "examples" / APP_FOLDER,  # wheel: force-included next to this module
        here.parents[2] / "examples" / APP_FOLDER,  # checkout / editable install: repo/examples
    ):
        if (candidate / "app.yaml").is_file():
            return candidate
    raise FileNotFoundError(
        f"the example app '{APP_FOLDER}' is not installed (looked in {here / 'examples'} and "
        f"{here.parents[2] / 'examples'})"
    )


def host_origins(host_port: int) -> list[str]:
    return [f"http://127.0.0.1:{host_port}", f"http://localhost:{host_port}"]


def stage_app(source: Path, target_root: Path, host_port: int) -> Path:
    """Copy the example app under ``target_root``, allowing the host page's origins.

    The example allows http://127.0.0.1:8701 and http://localhost:8701; with another
    ``--host-port`` the copy names that port instead (the frame-ancestors and postMessage
    origin of every embed session come from this list)."""
    target = target_root / APP_FOLDER
    if target.exists():
        shutil.rmtree(target)
    target_root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".*", "__pycache__"))
    if host_port != DEFAULT_HOST_PORT:
        app_yaml = target / "app.yaml"
        text = app_yaml.read_text(encoding="utf-8")
        origins = ", ".join(f'"{o}"' for o in host_origins(host_port))
        new_text, count = _ORIGINS_LINE.subn(lambda m: f"{m.group(1)}[{origins}]", text)
        if count != 1:
            raise ValueError(f"{app_yaml}: expected one 'parentOrigins: [...]' line")
        app_yaml.write_text(new_text, encoding="utf-8")
    return target


# --------------------------------------------------------------------------- data dir


def prepare_data_dir(data_dir: Path, reset: bool) -> Path:
    """Create (or, with ``reset``, recreate) the demo data dir; its absolute path.

    Only a folder this command created (it holds the marker file) or an empty one is
    ever deleted."""
    data_dir = data_dir.expanduser().resolve()
    if data_dir.exists() and not data_dir.is_dir():
        fail(f"{data_dir} exists and is not a folder")
    if data_dir.is_dir() and any(data_dir.iterdir()) and not (data_dir / MARKER).is_file():
        fail(
            f"{data_dir} is not empty and was not created by `inset demo`; "
            "choose another --data-dir"
        )
    if reset and data_dir.exists():
        shutil.rmtree(data_dir)
        stderr.print(f"Removed the previous demo data in {data_dir}")
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    (data_dir / MARKER).write_text("Created by `inset demo`; safe to delete.\n")
    return data_dir


def _ensure_secret_key(data_dir: Path) -> None:
    """The demo's own secret key file (0600), created quietly on first run."""
    path = data_dir / "secret.key"
    if path.exists():
        return
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(48) + "\n")


def configure_environment(data_dir: Path, port: int) -> None:
    """Point every INSET_* setting that matters at the demo, for this process only."""
    _ensure_secret_key(data_dir)
    os.environ["INSET_DATA_DIR"] = str(data_dir)
    os.environ["INSET_DATABASE_URL"] = f"sqlite+aiosqlite:///{(data_dir / 'inset.db').as_posix()}"
    os.environ["INSET_PUBLIC_URL"] = f"http://{BIND}:{port}"
    os.environ["INSET_ROLE"] = "internal"
    for name in ("INSET_SECRET_KEY", "INSET_TRUSTED_PROXIES"):
        os.environ.pop(name, None)  # the key is DATA_DIR/secret.key; no proxy in front

    get_settings.cache_clear()
    reset_key_cache()


# ------------------------------------------------------------------------ setup steps


@dataclass(frozen=True)
class DemoSetup:
    app_uuid: str
    token: str = field(repr=False)
    token_id: int
    release: str
    release_status: str


def _stored_url(resource: Resource) -> str | None:
    """The resource's stored URL; None when it cannot be decrypted (the key changed)."""
    try:
        url: str = resource_storage.decrypt_config(resource)["url"]
    except ValueError:
        return None
    return url


async def setup_metadata(database: Database, warehouse: Path, apps_dir: Path) -> DemoSetup:
    """Groups, the warehouse resource, the app and a fresh host token, in one transaction.

    Idempotent: what exists is kept, an unchanged app keeps its release, and the previous
    host token is revoked."""
    async with database.session() as session:
        existing = {g.name for g in await access.list_groups(session)}
        for name in GROUPS:
            if name not in existing:
                await access.create_group(session, name)
        resource = await resource_storage.get_resource(session, RESOURCE_NAME, "production")
        if resource is None:
            await resources.add_resource(session, RESOURCE_NAME, "sqlite", str(warehouse))
        elif resource.type != "sqlite" or _stored_url(resource) != str(warehouse):
            # the data dir moved, or the key changed: point the resource at this file
            await resources.update_resource(
                session, RESOURCE_NAME, type="sqlite", url=str(warehouse)
            )
        report = await deploy_directory(
            session, apps_dir, actor_type=CLI_ACTOR, actor_id=cli_user()
        )
        deployed = next(a for a in report.apps if a.slug == APP_FOLDER)
        for token in await auth.list_tokens(session):
            if token.name == HOST_TOKEN_NAME and token.revoked_at is None:
                await auth.revoke_token(session, token.id)
        created = await auth.create_token(session, HOST_TOKEN_NAME, ["embed"])
        return DemoSetup(
            app_uuid=deployed.uuid,
            token=created.secret,
            token_id=created.token.id,
            release=deployed.version,
            release_status=deployed.status,
        )


async def revoke_host_token(database: Database, token_id: int) -> None:
    async with database.session() as session:
        await auth.revoke_token(session, token_id)


async def _with_database(work: Callable[[Database], Awaitable[T]]) -> T:
    """Run ``work`` on the configured metadata database, disposing of the engine after."""
    database = Database(get_settings().effective_database_url)
    try:
        return await work(database)
    finally:
        await database.dispose()


# --------------------------------------------------------------------------- serving


class _Server(uvicorn.Server):
    """A uvicorn server that leaves signal handling to ``serve_both``."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def bind_socket(port: int, what: str, option: str) -> socket.socket:
    """Listen on 127.0.0.1:port now, so a busy port is a clear error before anything starts."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((BIND, port))
    except OSError as exc:
        sock.close()
        reason = "is already in use" if exc.errno == errno.EADDRINUSE else f"failed: {exc}"
        fail(f"port {port} for {what} {reason}; choose another with {option}", code=1)
    sock.listen(2048)
    return sock


async def serve_both(
    servers: list[uvicorn.Server], sockets: list[socket.socket], banner: str
) -> int:
    """Run the servers until Ctrl-C / SIGTERM (a second one forces exit) or one of them
    stops; returns 0 for a requested stop, 1 when a server failed."""
    loop = asyncio.get_running_loop()
    stop_requested = False

    def request_stop() -> None:
        nonlocal stop_requested
        for server in servers:
            if stop_requested:
                server.force_exit = True
            server.should_exit = True
        stop_requested = True

    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, request_stop)

    tasks = [
        asyncio.create_task(server.serve(sockets=[sock]))
        for server, sock in zip(servers, sockets, strict=True)
    ]
    failed = False
    try:
        while not all(s.started for s in servers):
            done = [t for t in tasks if t.done()]
            if done or stop_requested:
                break
            await asyncio.sleep(0.05)
        if all(s.started for s in servers) and not stop_requested:
            print(banner, flush=True)
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        if not stop_requested:  # one server ended on its own: stop the other too
            failed = True
            request_stop()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                failed = True
                if not isinstance(result, SystemExit):
                    stderr.print(f"[red]error:[/red] server failed: {result!r}")
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
    return 1 if failed else 0


def run(data_dir: Path, reset: bool, port: int, host_port: int) -> None:
    """Prepare everything, then serve Inset and the host product until Ctrl-C."""
    if port == host_port:
        fail("--port and --host-port must differ (Inset and the host are separate origins)")
    try:
        source = example_app_dir()
    except FileNotFoundError as exc:
        fail(str(exc), code=1)
    sockets = [
        bind_socket(port, "Inset", "--port"),
        bind_socket(host_port, "the host product", "--host-port"),
    ]
    try:
        _run(data_dir, reset, port, host_port, source, sockets)
    finally:
        for sock in sockets:
            sock.close()


def _run(
    data_dir: Path,
    reset: bool,
    port: int,
    host_port: int,
    source: Path,
    sockets: list[socket.socket],
) -> None:
    data_dir = prepare_data_dir(data_dir, reset)
    configure_environment(data_dir, port)
    settings = get_settings()
    stderr.print(f"Demo data: {data_dir}")
    try:
        migrations.upgrade(settings.effective_database_url)
    except Exception as exc:
        fail(f"cannot migrate the demo database: {describe_db_error(exc)}", code=1)
    warehouse = data_dir / "warehouse.db"
    if create_warehouse(warehouse, overwrite=False):
        stderr.print(f"Created the sample warehouse database {warehouse}")
    apps_dir = data_dir / "apps"
    stage_app(source, apps_dir, host_port)
    try:
        setup = asyncio.run(_with_database(lambda db: setup_metadata(db, warehouse, apps_dir)))
    except InsetError as exc:
        detail = f" ({exc.field})" if exc.field else ""
        fail(f"demo setup failed: {exc.message}{detail}", code=1)
    stderr.print(f"Supplier portal {setup.release} ({setup.release_status}), app {setup.app_uuid}")

    inset_url = f"http://{BIND}:{port}"
    host_url = f"http://{BIND}:{host_port}"
    host_app = create_host_app(
        HostConfig(
            inset_url=inset_url,
            inset_public_url=settings.public_url,
            app_id=setup.app_uuid,
            parent_origins=tuple(host_origins(host_port)),
            token=Secret(setup.token),
        )
    )
    token_id = setup.token_id
    del setup  # the token now lives only inside the host app's config
    log_level = settings.log_level.lower()
    servers: list[uvicorn.Server] = [
        _Server(
            uvicorn.Config(
                create_app(settings),
                host=BIND,
                port=port,
                log_level=log_level,
                proxy_headers=False,
                server_header=False,
                timeout_graceful_shutdown=5,
            )
        ),
        _Server(
            uvicorn.Config(
                host_app,
                host=BIND,
                port=host_port,
                log_level=log_level,
                proxy_headers=False,
                server_header=False,
                timeout_graceful_shutdown=5,
            )
        ),
    ]
    if logging.getLogger("uvicorn.error").level < logging.WARNING:
        # Two servers' start/stop chatter hides the banner; request lines stay.
        logging.getLogger("uvicorn.error").setLevel(logging.WARNING)
    banner = (
        "\n"
        f"  Host product: {host_url}  — pick a supplier\n"
        f"  Inset: {inset_url}\n"
        "\n"
        "  Press Ctrl-C to stop.\n"
    )
    code = asyncio.run(serve_both(servers, sockets, banner))
    try:
        asyncio.run(_with_database(lambda db: revoke_host_token(db, token_id)))
    except Exception:  # a failed clean-up must not hide why we stopped; next start revokes it
        stderr.print("note: could not revoke the demo host token; the next start will.")
    if code:
        sys.exit(code)
