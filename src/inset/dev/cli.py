"""``inset dev DIR``: serve the apps in DIR as drafts, reload on change, preview as anyone.

Internal instances only. The work is in ``run.py``, imported only when the command runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from inset.cli_support import fail, stderr

app = typer.Typer()

LOOPBACK = ("127.0.0.1", "localhost")


def _metadata(text: str | None) -> dict[str, Any]:
    if text is None:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        fail(f"--metadata is not JSON: {exc.msg} (column {exc.colno})")
    if not isinstance(value, dict):
        fail("--metadata must be a JSON object, e.g. '{\"supplierId\": 1}'")
    return value


@app.command()
def dev(
    directory: Path = typer.Argument(..., help="An app folder, or a folder of app folders."),
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Interface to bind: 127.0.0.1 or localhost only."
    ),
    port: int = typer.Option(8700, "--port", min=1, max=65535, help="Port to listen on."),
    as_user: str = typer.Option(
        "dev-user", "--as", help="External identifier the dev page previews as at first."
    ),
    groups: str | None = typer.Option(
        None, "--groups", help="Comma-separated groups to preview with (default: the app's)."
    ),
    metadata: str | None = typer.Option(
        None, "--metadata", help="Preview metadata as a JSON object, e.g. '{\"supplierId\": 1}'."
    ),
    resource: list[str] = typer.Option(
        [],
        "--resource",
        help="NAME=sqlite:PATH: use this SQLite file for resource NAME in previews (repeatable).",
    ),
) -> None:
    """Author apps: drafts reloaded on each change and a page to preview them as any user."""
    from inset.dev.drafts import parse_override
    from inset.errors import InsetError
    from inset.roles import require_internal

    try:
        require_internal("inset dev")
    except InsetError as exc:
        fail(exc.message)
    if host not in LOOPBACK:
        fail(
            f"--host {host}: inset dev binds only 127.0.0.1 (its page mints sessions for any "
            "user without a login); use an SSH tunnel to reach it from elsewhere"
        )
    if not directory.is_dir():
        fail(f"{directory} is not a folder")
    try:
        overrides = [parse_override(text) for text in resource]
    except ValueError as exc:
        fail(f"--resource {exc}")
    identity = {
        "externalIdentifier": as_user,
        "groups": [g.strip() for g in (groups or "").split(",") if g.strip()],
        "metadata": _metadata(metadata),
    }
    try:
        from inset.dev.run import run

        run(directory.resolve(), host, port, overrides, identity)
    except KeyboardInterrupt:  # Ctrl-C during start-up, before the server took over
        stderr.print("Stopped.")
        raise typer.Exit(130) from None
