"""The SDK's TypeScript declarations compile against a typical use (tsc --noEmit, strict)."""

from __future__ import annotations

import subprocess

from tests.sdk.conftest import HOSTPAGES, npm_ci


def test_type_declarations_compile() -> None:
    npm_ci()
    result = subprocess.run(
        [str(HOSTPAGES / "node_modules" / ".bin" / "tsc"), "-p", "tsconfig.json"],
        cwd=HOSTPAGES,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
