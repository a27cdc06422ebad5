"""The work behind ``inset dev`` (imported only when the command runs: it pulls in uvicorn,
Alembic and watchfiles). One process: the Inset app with the dev page mounted, and a task
that watches the folder and stores a new draft after each change."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from typing import Any

import uvicorn

from inset import migrations
from inset.app import create_app
from inset.cli_support import fail
from inset.db import Database, describe_db_error
from inset.demo.run import _Server, bind_socket, serve_both
from inset.dev.drafts import SqliteOverride
from inset.dev.routes import mount_dev
from inset.dev.service import DevService
from inset.errors import InsetError
from inset.settings import get_settings


def _say(line: str) -> None:
    print(line, flush=True)


def dev_origins(port: int) -> list[str]:
    """The origins the dev page may be opened at (drafts allow them as parent origins)."""
    return [f"http://127.0.0.1:{port}", f"http://localhost:{port}"]


def run(
    root: Path,
    host: str,
    port: int,
    overrides: list[SqliteOverride],
    identity: dict[str, Any],
) -> None:
    """Migrate, store the first drafts, then serve and watch until Ctrl-C."""
    settings = get_settings()
    settings.resolved_secret_key()
    try:
        migrations.upgrade(settings.effective_database_url)
    except Exception as exc:
        fail(f"cannot migrate the metadata database: {describe_db_error(exc)}", code=1)
    sock = bind_socket(port, "inset dev", "--port")
    try:
        code = asyncio.run(_serve(root, host, port, overrides, identity, sock))
    finally:
        sock.close()
    if code:
        raise SystemExit(code)


async def _serve(
    root: Path,
    host: str,
    port: int,
    overrides: list[SqliteOverride],
    identity: dict[str, Any],
    sock: Any,
) -> int:
    settings = get_settings()
    database = Database(settings.effective_database_url)
    service = DevService(database, root, dev_origins(port), overrides, out=_say)
    service.identity = identity
    try:
        try:
            await service.start()
        except InsetError as exc:
            await service.close()
            where = f" ({exc.field})" if exc.field else ""
            fail(f"inset dev could not start: {exc.message}{where}", code=2)
        app = create_app(settings, database=database)
        mount_dev(app, service)
        server = _Server(
            uvicorn.Config(
                app,
                host=host,
                port=port,
                log_level=settings.log_level.lower(),
                access_log=False,  # the dev page polls; the terminal shows reloads instead
                proxy_headers=False,
                server_header=False,
                timeout_graceful_shutdown=3,
            )
        )
        if logging.getLogger("uvicorn.error").level < logging.WARNING:
            logging.getLogger("uvicorn.error").setLevel(logging.WARNING)
        logging.getLogger("watchfiles").setLevel(logging.WARNING)  # "1 change detected"
        stop = asyncio.Event()
        watcher = asyncio.create_task(service.watch(stop))
        banner = (
            f"\n  inset dev: http://{host}:{port}/dev  (watching {root})\n  Press Ctrl-C to stop.\n"
        )
        try:
            code = await serve_both([server], [sock], banner)
        finally:
            stop.set()
            with contextlib.suppress(asyncio.CancelledError, asyncio.TimeoutError):
                await asyncio.wait_for(watcher, timeout=3)
            await service.close()
        _say("Stopped.")
        return code
    finally:
        await database.dispose()
