"""``inset audit verify | export | purge``."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

import typer

from inset.audit import service as audit
from inset.audit.chainer import chain_all
from inset.audit.storage import EventFilter
from inset.cli_support import CLI_ACTOR, cli_user, fail, print_json, run_with_session, stderr
from inset.db import Database, utcnow
from inset.settings import get_settings

app = typer.Typer(help="The audit log: verify the hash chain, export, purge.", no_args_is_help=True)


def parse_when(value: str | None, option: str) -> datetime | None:
    """An ISO date or datetime (naive means UTC)."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        fail(f"{option} must be an ISO date or datetime, like 2026-01-31 or 2026-01-31T12:00Z")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@app.command("verify")
def verify(
    as_json: bool = typer.Option(False, "--json", help="JSON output."),
    chain: bool = typer.Option(
        False, "--chain", help="First chain the events not chained yet (no server running)."
    ),
) -> None:
    """Walk the hash chain; exit 1 at the first broken link (modified, deleted, reordered)."""
    if chain:
        chained = run_with_session(chain_all)
        stderr.print(f"chained {chained} pending events", highlight=False)
    result = run_with_session(audit.verify_chain)
    if as_json:
        print_json({**result.__dict__, "stale_unchained": result.stale_unchained})
    elif result.ok:
        typer.echo(f"OK: {result.checked} events, hash chain intact")
    else:
        typer.echo(f"BROKEN at seq {result.seq} (event id {result.event_id}): {result.problem}")
        typer.echo(f"{result.checked} events verified before the break")
    if result.unchained:
        stderr.print(
            f"note: {result.unchained} events not chained yet (the chainer of a running "
            "server will chain them; not verified)",
            highlight=False,
        )
    if result.stale_unchained and result.oldest_unchained_at is not None:
        stderr.print(
            "[yellow]warning:[/yellow] the oldest unchained event is from "
            f"{result.oldest_unchained_at.isoformat(timespec='seconds')}, more than a minute "
            "ago: is a server running? `inset audit verify --chain` chains them now",
            highlight=False,
        )
    raise typer.Exit(0 if result.ok else 1)


@app.command("export")
def export(
    since: str | None = typer.Option(None, help="Only events at or after (ISO)."),
    until: str | None = typer.Option(None, help="Only events before (ISO)."),
    fmt: str = typer.Option("jsonl", "--format", help="jsonl or csv."),
    output: Path | None = typer.Option(None, help="Write here instead of stdout."),
) -> None:
    """Stream events, oldest first, in bounded memory."""
    if fmt not in audit.FORMATS:
        fail("--format must be jsonl or csv")
    f = EventFilter(since=parse_when(since, "--since"), until=parse_when(until, "--until"))

    async def run(out: TextIO) -> None:
        database = Database(get_settings().effective_database_url)
        try:
            async with database.session() as session:
                async for chunk in audit.export_lines(session, f, fmt):
                    out.write(chunk)
        finally:
            await database.dispose()

    if output is None:
        asyncio.run(run(sys.stdout))
        sys.stdout.flush()
    else:
        with output.open("w", encoding="utf-8", newline="") as handle:
            asyncio.run(run(handle))


@app.command("purge")
def purge(
    before: str | None = typer.Option(
        None, help="Delete events before this date (default: now - INSET_AUDIT_RETENTION_DAYS)."
    ),
) -> None:
    """Delete old events, keeping the chain verifiable; records audit.purged."""
    cutoff = parse_when(before, "--before")
    if cutoff is None:
        days = get_settings().audit_retention_days
        if days == 0:
            fail("INSET_AUDIT_RETENTION_DAYS is 0 (keep forever); pass --before to purge anyway")
        cutoff = utcnow() - timedelta(days=days)
    result = run_with_session(
        lambda s: audit.purge(s, cutoff, actor_type=CLI_ACTOR, actor_id=cli_user())
    )
    typer.echo(f"Deleted {result.deleted} events before {result.before.isoformat()}")
