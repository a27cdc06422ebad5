"""The runtime's pure JS logic (table paging/sorting, formats, the state store) under
pytest: runs `node --test` over tests/js/runtime*.test.mjs. Node only, no browser."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NODE = shutil.which("node") or "/usr/bin/node"


@pytest.mark.parametrize(
    "test_file", sorted(p.name for p in (ROOT / "tests" / "js").glob("runtime*.test.mjs"))
)
def test_node_runtime_tests(test_file: str) -> None:
    result = subprocess.run(
        [NODE, "--test", f"tests/js/{test_file}"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout
