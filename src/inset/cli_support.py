"""Helpers shared by every domain's CLI: a DB session, clear errors, JSON output."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncSession

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
