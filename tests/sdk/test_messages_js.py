"""Runs tests/sdk/messages.test.mjs (the runtime's message channel, with a fake window)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_node_messages_tests_pass() -> None:
    node = shutil.which("node") or "/usr/bin/node"
    result = subprocess.run(
        [node, "--test", "tests/sdk/messages.test.mjs"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout
