"""``inset serve`` and ``inset db …``."""

from __future__ import annotations

import signal

import typer

from inset.cli_support import fail, stderr
from inset.db import describe_db_error
from inset.settings import get_settings

MAX_REQUEST_HEAD_BYTES = 64 * 1024

app = typer.Typer()
db_app = typer.Typer(help="Metadata database migrations.", no_args_is_help=True)


def _migrate() -> None:
    from inset import migrations  # alembic is slow to import; only these commands need it

    settings = get_settings()
    settings.resolved_secret_key()  # first run: create it now, not racing across workers
    url = settings.effective_database_url
    try:
        migrations.upgrade(url)
    except Exception as exc:  # connection refused, bad URL, …: a message, not a traceback
        fail(f"cannot migrate the metadata database: {describe_db_error(exc)}", code=1)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to bind."),
    port: int = typer.Option(8700, help="Port to listen on."),
    workers: int = typer.Option(1, min=1, max=64, help="Server processes (use PostgreSQL)."),
    no_migrate: bool = typer.Option(False, "--no-migrate", help="Skip migrations at start."),
) -> None:
    """Run the Inset server (migrates the metadata database first)."""
    import uvicorn

    settings = get_settings()
    if workers > 1 and settings.effective_database_url.startswith("sqlite"):
        stderr.print("warning: several workers on SQLite; use PostgreSQL in production.")
    if not no_migrate:
        _migrate()
    stderr.print(f"Inset listening on http://{host}:{port} (public URL {settings.public_url})")
    # uvicorn drains, shuts the app down, then re-raises the SIGTERM/SIGINT it caught under
    # the handler that was there before it: with this no-op, a graceful stop exits 0.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: None)
    uvicorn.run(
        "inset.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=False,  # X-Forwarded-* are honoured only from INSET_TRUSTED_PROXIES
        server_header=False,
        log_level=settings.log_level,
        # JSON logs: uvicorn's own loggers go through ours (one JSON object per line).
        log_config=None if settings.log_format == "json" else uvicorn.config.LOGGING_CONFIG,
        timeout_graceful_shutdown=settings.shutdown_timeout_seconds,
        # Hostile clients: h11 bounds the request head (431/400 beyond 64 KiB of headers;
        # httptools has no such limit), idle keep-alive connections close after 5 s, and
        # slow bodies are cut by INSET_BODY_TIMEOUT_SECONDS (inset.body_guard).
        http="h11",
        h11_max_incomplete_event_size=MAX_REQUEST_HEAD_BYTES,
        timeout_keep_alive=5,
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations."""
    _migrate()
    stderr.print("metadata database is up to date")


@db_app.command("current")
def db_current() -> None:
    """Print the applied migration revision."""
    from inset import migrations

    typer.echo(migrations.current(get_settings().effective_database_url) or "(empty database)")
