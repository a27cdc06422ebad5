"""Helpers shared by every domain's CLI: a DB session, clear errors, JSON output, and
auditing the admin changes a command makes."""

from __future__ import annotations

import asyncio
import getpass
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncSession

from inset.audit.service import record
from inset.db import Database, describe_db_error
from inset.errors import InsetError
from inset.settings import get_settings

T = TypeVar("T")
stderr = Console(stderr=True)
stdout = Console()


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``error: message`` to stderr and exit (2 = bad input)."""
    stderr.print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(code)


def run_with_session(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work`` in one transaction on the configured metadata database.

    InsetError becomes a clear message and exit code 2; the transaction rolls back."""

    async def _run() -> T:
        database = Database(get_settings().effective_database_url)
        try:
            async with database.session() as session:
                return await work(session)
        finally:
            await database.dispose()

    try:
        return asyncio.run(_run())
    except InsetError as exc:
        where = f" ({exc.field})" if exc.field else ""
        fail(f"{exc.message}{where}")
    except (OperationalError, ProgrammingError) as exc:
        fail(
            f"metadata database error ({describe_db_error(exc)}). Is INSET_DATABASE_URL right, "
            "and has `inset db upgrade` been run?",
            code=1,
        )


def print_json(value: Any) -> None:
    """Machine-readable output for --json."""
    sys.stdout.write(json.dumps(value, indent=2, default=str) + "\n")


# The audit log's actor_type for changes made with the ``inset`` command line.
CLI_ACTOR = "cli"


def cli_user() -> str:
    """Who runs this command, as the audit log's actor_id for ``cli`` events: the OS user
    name (``getpass.getuser()``: $LOGNAME, $USER, … or the password database), or
    ``unknown`` when there is none (e.g. a container user without a passwd entry)."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError, ImportError):
        return "unknown"
    return user[:255] or "unknown"


async def record_cli(session: AsyncSession, type: str, data: dict[str, Any]) -> None:
    """Audit an admin change made with the CLI, in the command's transaction (the change
    and its event commit together): the admin API's event type and ``data`` (never a
    secret), actor_type ``cli``, actor_id the OS user."""
    await record(session, type, actor_type=CLI_ACTOR, actor_id=cli_user(), data=data)
