"""``inset groups …``."""

from __future__ import annotations

import typer
from rich.table import Table

from inset.access import service as access
from inset.cli_support import print_json, run_with_session, stdout

groups_app = typer.Typer(help="Permission groups.", no_args_is_help=True)


@groups_app.command("create")
def groups_create(name: str = typer.Argument(..., help="Unique group name.")) -> None:
    """Create a group and print its id."""
    group = run_with_session(lambda s: access.create_group(s, name))
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
