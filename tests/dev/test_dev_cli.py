"""``inset dev`` refuses bad input and external instances before it starts anything."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from inset.dev.cli import app
from inset.settings import get_settings


def _dev(tmp_path: Path, *args: str, role: str = "internal") -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INSET_")}
    env.update({"INSET_DATA_DIR": str(tmp_path), "INSET_ROLE": role})
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, list(args), env=env)
    finally:
        get_settings.cache_clear()
    return result.exit_code, " ".join(result.stderr.split())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--host", "0.0.0.0"], "inset dev binds only 127.0.0.1"),
        (["--metadata", "{nope"], "--metadata is not JSON"),
        (["--metadata", "[1]"], "--metadata must be a JSON object"),
        (["--resource", "db=postgres:/x"], "is not NAME=sqlite:PATH"),
    ],
)
def test_bad_options_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    code, stderr = _dev(tmp_path, str(tmp_path), *args)
    assert code == 2
    assert message in stderr


def test_a_missing_folder_exits_2(tmp_path: Path) -> None:
    code, stderr = _dev(tmp_path, str(tmp_path / "missing"))
    assert code == 2
    assert "is not a folder" in stderr


def test_an_external_instance_refuses_inset_dev(tmp_path: Path) -> None:
    code, stderr = _dev(tmp_path, str(tmp_path), role="external")
    assert code == 2
    assert "inset dev is not available on an external instance" in stderr
    assert not (tmp_path / "inset.db").exists()  # refused before touching the database
