"""The core CLI, run as a user would: real subprocesses on a fresh data dir."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

INSET = [sys.executable, "-m", "inset"]


def run(data_dir: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INSET_")}
    env.update({"INSET_DATA_DIR": str(data_dir), "INSET_LOG_LEVEL": "warning"})
    return subprocess.run(
        [*INSET, *args], env=env, input=stdin, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    result = run(tmp_path, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    return tmp_path


def test_fresh_data_dir_gets_secret_key_with_warning(tmp_path: Path) -> None:
    result = run(tmp_path, "db", "upgrade")
    assert result.returncode == 0
    key_file = tmp_path / "secret.key"
    assert key_file.exists() and oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert "INSET_SECRET_KEY is not set" in result.stderr
    assert "inset.db" in {p.name for p in tmp_path.iterdir()}
    assert "(head)" in run(tmp_path, "db", "current").stdout


def test_unmigrated_database_is_a_clear_error(tmp_path: Path) -> None:
    result = run(tmp_path, "groups", "list")
    assert result.returncode == 1
    assert "inset db upgrade" in result.stderr and "Traceback" not in result.stderr


def test_groups_and_tokens(data_dir: Path) -> None:
    created = run(data_dir, "groups", "create", "suppliers")
    assert created.returncode == 0 and created.stdout.strip().isdigit()
    duplicate = run(data_dir, "groups", "create", "suppliers")
    assert duplicate.returncode == 2 and "already exists" in duplicate.stderr
    listed = json.loads(run(data_dir, "groups", "list", "--json").stdout)
    assert [g["name"] for g in listed] == ["suppliers"]

    token = run(data_dir, "tokens", "create", "--name", "host", "--scope", "embed")
    assert token.returncode == 0
    secret = token.stdout.strip()
    assert secret.startswith("ins_") and "\n" not in secret and len(secret) > 40
    assert "shown only now" in token.stderr
    tokens = json.loads(run(data_dir, "tokens", "list", "--json").stdout)
    assert tokens[0]["status"] == "active" and secret not in json.dumps(tokens)
    assert run(data_dir, "tokens", "revoke", str(tokens[0]["id"])).returncode == 0
    assert json.loads(run(data_dir, "tokens", "list", "--json").stdout)[0]["status"] == "revoked"
    bad = run(data_dir, "tokens", "create", "--name", "x", "--scope", "root")
    assert bad.returncode == 2 and "scopes must be" in bad.stderr
    assert run(data_dir, "tokens", "revoke", "999").returncode == 2


def test_admin_create_user(data_dir: Path) -> None:
    ok = run(
        data_dir,
        "admin",
        "create-user",
        "ops@example.com",
        "--password-stdin",
        stdin="correct horse battery staple\n",
    )
    assert ok.returncode == 0, ok.stderr
    short = run(
        data_dir, "admin", "create-user", "x@example.com", "--password-stdin", stdin="short\n"
    )
    assert short.returncode == 2 and "at least 12" in short.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_migrates_and_answers(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("INSET_")}
    env.update({"INSET_DATA_DIR": str(tmp_path), "INSET_LOG_LEVEL": "warning"})
    log = tmp_path / "serve.log"
    with log.open("w") as log_file:
        process = subprocess.Popen(
            [*INSET, "serve", "--port", str(port)],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(log.read_text()) from None
                time.sleep(0.2)
        assert ready.json() == {"status": "ok", "database": "ok"}
        missing = httpx.post(f"http://127.0.0.1:{port}/api/embed-url/external-user", json={})
        assert missing.status_code == 401
        assert missing.json()["error"]["code"] == "missing_token"
        assert "server" not in missing.headers
    finally:
        process.terminate()
        process.wait(timeout=30)
