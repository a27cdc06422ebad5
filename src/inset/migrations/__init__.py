"""Schema migrations (Alembic), run programmatically: no alembic.ini needed."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TextIO

from alembic import command
from alembic.config import Config

HERE = Path(__file__).parent


def alembic_config(database_url: str, stdout: TextIO | None = None) -> Config:
    """An Alembic config pointing at our scripts and the given database."""
    config = Config(stdout=stdout) if stdout is not None else Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", str(HERE / "versions"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Apply migrations up to ``revision``. Call outside a running event loop."""
    command.upgrade(alembic_config(database_url), revision)


def current(database_url: str) -> str:
    """The applied revision, as Alembic prints it."""
    buffer = io.StringIO()
    command.current(alembic_config(database_url, stdout=buffer))
    return buffer.getvalue().strip()
