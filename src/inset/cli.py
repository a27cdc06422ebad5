"""The ``inset`` command line. Each domain adds its commands from its own ``cli.py``."""

from __future__ import annotations

import typer

from inset import __version__

app = typer.Typer(
    name="inset",
    help="Inset: data apps embedded securely in your product.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback(invoke_without_command=True)
def _root(
    version: bool = typer.Option(False, "--version", help="Print the version and exit."),
) -> None:
    if version:
        typer.echo(__version__)
        raise typer.Exit()


_mounted: list[bool] = []


def _mount() -> None:
    """Attach the domain commands (once)."""
    if _mounted:
        return
    from inset.cli_commands import register

    register(app)
    _mounted.append(True)


def main() -> None:
    """Entry point of the ``inset`` script."""
    import sys

    from inset.logs import configure_logging

    configure_logging(stream=sys.stderr)
    _mount()
    app()


if __name__ == "__main__":
    main()
