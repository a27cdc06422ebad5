"""``inset resources …``: add, list, test and remove resources. Adding, replacing and
removing are audited like the admin API (``admin.resource.*``, actor_type ``cli``)."""

from __future__ import annotations

import sys

import typer
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from inset.cli_support import CLI_ACTOR, cli_user, fail, print_json, run_with_session, stdout
from inset.resources import service
from inset.resources.schemas import RESOURCE_TYPES, ResourceTestResult, ResourceView

app = typer.Typer(
    help="Resources: the databases and APIs that queries run against.",
    no_args_is_help=True,
)


def _parse_headers(values: list[str]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition(":")
        if not sep or not name.strip():
            fail(f"--header must look like 'Name: value' (got '{name.strip()[:50]}…')")
        headers[name.strip()] = value.strip()
    return headers


@app.command("add")
def add(
    name: str = typer.Argument(..., help="Resource name that apps refer to."),
    type: str = typer.Option(..., "--type", help="One of: " + ", ".join(RESOURCE_TYPES)),
    url: str | None = typer.Option(
        None,
        "--url",
        help="postgresql://…, mysql://…, https://… or, for sqlite, the database file's path.",
    ),
    url_stdin: bool = typer.Option(
        False, "--url-stdin", help="Read the URL from stdin (keeps passwords out of ps/history)."
    ),
    environment: str = typer.Option("production", "--environment", "-e"),
    header: list[str] | None = typer.Option(
        None, "--header", "-H", help="'Name: value' (rest only); repeat for more."
    ),
    replace: bool = typer.Option(
        False, "--replace", help="Update the resource if it already exists."
    ),
    allow_private_network: bool = typer.Option(
        False,
        "--allow-private-network",
        help="rest only: allow a host on a private, loopback or link-local address.",
    ),
) -> None:
    """Add a resource (its URL and headers are stored encrypted)."""
    if url_stdin:
        if url is not None:
            fail("give either --url or --url-stdin, not both")
        url = sys.stdin.readline().strip()
    if not url:
        fail("--url (or --url-stdin) is required")
    headers = _parse_headers(header or [])
    options = {"allowPrivateNetwork": True} if allow_private_network else None

    async def work(session: AsyncSession) -> str:
        return await service.put_audited(
            session,
            name,
            type,
            url,
            environment=environment,
            headers=headers,
            options=options,
            replace=replace,
            actor_type=CLI_ACTOR,
            actor_id=cli_user(),
        )

    outcome = run_with_session(work)
    typer.echo(f"{outcome} resource '{name}' ({type}, {environment})")


@app.command("list")
def list_(json_output: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List resources (passwords and header values masked)."""

    async def work(session: AsyncSession) -> list[ResourceView]:
        return await service.list_resources(session)

    views = run_with_session(work)
    if json_output:
        print_json([view.model_dump(mode="json", by_alias=True) for view in views])
        return
    if not views:
        typer.echo("no resources")
        return
    table = Table("name", "environment", "type", "url", "headers")
    for view in views:
        table.add_row(
            view.name, view.environment, view.type, view.url, ", ".join(view.headers) or "-"
        )
    stdout.print(table)


@app.command("test")
def test(
    name: str = typer.Argument(...),
    environment: str = typer.Option("production", "--environment", "-e"),
) -> None:
    """Connect to a resource and run a trivial query."""

    async def work(session: AsyncSession) -> ResourceTestResult:
        return await service.test_resource(session, name, environment)

    result = run_with_session(work)
    typer.echo(
        f"ok: resource '{result.name}' ({result.type}, {result.environment}) answered in "
        f"{result.duration_ms} ms"
    )


@app.command("remove")
def remove(
    name: str = typer.Argument(...),
    environment: str = typer.Option("production", "--environment", "-e"),
) -> None:
    """Remove one environment's config of a resource."""

    async def work(session: AsyncSession) -> None:
        await service.delete_audited(session, name, environment, CLI_ACTOR, cli_user(), None)

    run_with_session(work)
    typer.echo(f"removed resource '{name}' ({environment})")
