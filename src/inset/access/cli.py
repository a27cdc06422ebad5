"""``inset groups …``."""

from __future__ import annotations

import typer
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from inset.access import explain
from inset.access import service as access
from inset.access.models import Group
from inset.cli_support import fail, print_json, record_cli, run_with_session, stdout

groups_app = typer.Typer(help="Permission groups.", no_args_is_help=True)


@groups_app.command("create")
def groups_create(name: str = typer.Argument(..., help="Unique group name.")) -> None:
    """Create a group and print its id; audited ``admin.group.created``."""

    async def work(session: AsyncSession) -> Group:
        group = await access.create_group(session, name)
        await record_cli(
            session, "admin.group.created", {"after": {"id": group.id, "name": group.name}}
        )
        return group

    group = run_with_session(work)
    typer.echo(group.id)


@groups_app.command("list")
def groups_list(as_json: bool = typer.Option(False, "--json", help="JSON output.")) -> None:
    """List groups."""
    groups = run_with_session(access.list_groups)
    if as_json:
        print_json([{"id": g.id, "name": g.name, "created_at": g.created_at} for g in groups])
        return
    table = Table("id", "name")
    for g in groups:
        table.add_row(str(g.id), g.name)
    stdout.print(table)


access_app = typer.Typer(help="Who may reach what.", no_args_is_help=True)


@access_app.command("explain")
def access_explain(
    user: str | None = typer.Option(None, "--user", help="An external user's identifier."),
    groups: str | None = typer.Option(None, "--groups", help="Group ids or names, a,b,c."),
    app: str | None = typer.Option(None, "--app", help="One app (id, uuid or slug)."),
) -> None:
    """Print (JSON) which apps, pages and queries are reachable, and the rule for each."""
    if (user is None) == (groups is None):
        fail("give exactly one of --user or --groups")
    refs = [g.strip() for g in (groups or "").split(",") if g.strip()] if groups else None
    if groups is not None and not refs:
        fail("--groups must name at least one group")
    result = run_with_session(
        lambda s: explain.explain(s, external_identifier=user, group_refs=refs, app=app)
    )
    print_json(result)
