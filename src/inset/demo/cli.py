"""``inset demo``: everything needed to see an embed, on a fresh machine, in one command.

It prepares a demo data dir (SQLite metadata, a generated secret key, the sample
"warehouse" database), creates the groups, the ``warehouse`` resource and an embed token,
deploys the example supplier portal, then serves two apps from one process: Inset itself
and Northwind Marketplace, a host product on another origin that embeds the portal.

The host's embed token is created fresh on every start and lives only in this process's
memory: the previous run's token is revoked first (and this run's on a clean exit), so no
usable access token is ever written to disk or printed. The work is in ``run.py``,
imported only when the command runs.
"""

from __future__ import annotations

from pathlib import Path

import typer

from inset.cli_support import stderr

app = typer.Typer()

DEFAULT_DATA_DIR = Path("demo-data")


@app.command()
def demo(
    data_dir: Path = typer.Option(
        DEFAULT_DATA_DIR, "--data-dir", help="Folder for the demo's databases and key."
    ),
    reset: bool = typer.Option(False, "--reset", help="Delete the demo data and start over."),
    port: int = typer.Option(8700, "--port", min=1, max=65535, help="Port of Inset."),
    host_port: int = typer.Option(
        8701, "--host-port", min=1, max=65535, help="Port of the host product."
    ),
) -> None:
    """Run a demo: sample data, the supplier portal and a host product that embeds it."""
    try:
        from inset.demo.run import run

        run(data_dir, reset, port, host_port)
    except KeyboardInterrupt:  # Ctrl-C during the setup, before the servers took over
        stderr.print("Stopped.")
        raise typer.Exit(130) from None
