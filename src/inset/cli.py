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


def _mount() -> None:
    from inset.cli_commands import register

    register(app)


def main() -> None:
    """Entry point of the ``inset`` script."""
    _mount()
    app()


if __name__ == "__main__":
    main()
