"""YAML bombs through `inset validate` (a real subprocess): a clear error and exit 2, in
bounded time and memory (the loader refuses aliases and deep nesting while composing)."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import pytest

from tests.security.helpers import BILLION_LAUGHS, DEEP

MEMORY_LIMIT = 512 * 1024 * 1024  # a bomb that expanded would need far more


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


@pytest.mark.parametrize("app_yaml", [BILLION_LAUGHS, DEEP], ids=["billion-laughs", "deep"])
def test_inset_validate_refuses_yaml_bombs(tmp_path: Path, app_yaml: str) -> None:
    app = tmp_path / "bomb"
    app.mkdir()
    (app / "app.yaml").write_text(app_yaml)
    done = subprocess.run(
        [sys.executable, "-m", "inset", "validate", str(app)],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limit_memory,
        check=False,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    output = done.stdout + done.stderr
    assert "app.yaml:" in output and ("alias" in output or "nest" in output), output
    assert "Traceback" not in output
