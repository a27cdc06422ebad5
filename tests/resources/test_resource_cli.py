"""``inset resources …`` on a migrated SQLite metadata file: one real subprocess through the
``inset`` entry point, the rest in-process with Typer's CliRunner (same code, faster)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from inset import migrations
from inset.resources.cli import app
from inset.settings import get_settings

INSET = [sys.executable, "-m", "inset"]
PASSWORD = "cli-Secret-4242"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'meta.db'}"
    migrations.upgrade(url)
    environ = {k: v for k, v in os.environ.items() if not k.startswith("INSET_")}
    environ.update(
        {
            "INSET_DATA_DIR": str(tmp_path),
            "INSET_DATABASE_URL": url,
            "INSET_SECRET_KEY": "cli-test-key-" + "k" * 40,
            "INSET_LOG_LEVEL": "warning",
        }
    )
    return environ


def inset_process(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*INSET, "resources", *args], env=env, capture_output=True, text=True, timeout=120
    )


def inset(
    env: dict[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """The same command in this process (settings re-read from ``env``)."""
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, list(args), env=env, input=stdin)
    finally:
        get_settings.cache_clear()
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, result.stderr)


def flat(text: str) -> str:
    """Console output without the line wrapping of a narrow terminal."""
    return " ".join(text.split())


def test_add_list_and_test_a_sqlite_resource(env: dict[str, str], tmp_path: Path) -> None:
    shop = tmp_path / "shop.db"
    conn = sqlite3.connect(shop)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    added = inset_process(env, "add", "shop", "--type", "sqlite", "--url", str(shop))
    assert added.returncode == 0, added.stderr
    assert "added resource 'shop'" in added.stdout
    listed = inset_process(env, "list", "--json")
    assert listed.returncode == 0, listed.stderr
    (view,) = json.loads(listed.stdout)
    assert (view["name"], view["type"], view["environment"], view["url"]) == (
        "shop",
        "sqlite",
        "production",
        str(shop),
    )
    table = inset(env, "list")
    assert "shop" in table.stdout and "sqlite" in table.stdout
    tested = inset_process(env, "test", "shop")
    assert tested.returncode == 0, tested.stderr
    assert tested.stdout.startswith("ok: resource 'shop'")


def test_passwords_and_headers_stay_out_of_output(env: dict[str, str]) -> None:
    url = f"postgresql://reporter:{PASSWORD}@127.0.0.1:1/sales"
    assert inset(env, "add", "warehouse", "--type", "postgres", "--url", url).returncode == 0
    added = inset(
        env,
        "add",
        "api",
        "--type",
        "rest",
        "--url-stdin",
        "-H",
        f"Authorization: Bearer {PASSWORD}",
        "--header",
        "X-Tenant:acme",
        stdin=f"https://svc:{PASSWORD}@api.example.com/v1\n",
    )
    assert added.returncode == 0, added.stderr
    outputs = [inset(env, "list"), inset(env, "list", "--json"), inset(env, "test", "warehouse")]
    views = {v["name"]: v for v in json.loads(outputs[1].stdout)}
    assert views["warehouse"]["url"] == "postgresql://reporter:****@127.0.0.1:1/sales"
    assert views["api"]["url"] == "https://svc:****@api.example.com/v1"
    assert views["api"]["headers"] == {"Authorization": "****", "X-Tenant": "****"}
    failed = outputs[2]
    assert failed.returncode == 2
    assert "server unreachable" in flat(failed.stderr)
    for result in outputs:
        assert PASSWORD not in result.stdout + result.stderr


def test_errors_are_messages_with_exit_code_2(env: dict[str, str], tmp_path: Path) -> None:
    shop = tmp_path / "shop.db"
    sqlite3.connect(shop).close()
    assert inset(env, "add", "shop", "--type", "sqlite", "--url", str(shop)).returncode == 0
    duplicate = inset(env, "add", "shop", "--type", "sqlite", "--url", str(shop))
    assert duplicate.returncode == 2
    assert "already exists" in flat(duplicate.stderr) and "(name)" in duplicate.stderr
    bad_type = inset(env, "add", "x", "--type", "oracle", "--url", "x")
    assert bad_type.returncode == 2 and "(type)" in bad_type.stderr
    bad_url = inset(env, "add", "x", "--type", "postgres", "--url", "mysql://h/db")
    assert bad_url.returncode == 2 and "(url)" in bad_url.stderr
    bad_header = inset(
        env, "add", "x", "--type", "rest", "--url", "https://a.example", "--header", "nocolon"
    )
    assert bad_header.returncode == 2 and "--header" in bad_header.stderr
    no_url = inset(env, "add", "x", "--type", "rest")
    assert no_url.returncode == 2 and "--url" in no_url.stderr
    missing = inset(env, "test", "nope")
    assert missing.returncode == 2 and "not configured" in flat(missing.stderr)
    for result in (duplicate, bad_type, bad_url, missing):
        assert "Traceback" not in result.stderr


def test_replace_and_environments(env: dict[str, str], tmp_path: Path) -> None:
    one, two = tmp_path / "one.db", tmp_path / "two.db"
    for path in (one, two):
        sqlite3.connect(path).close()
    assert inset(env, "add", "shop", "--type", "sqlite", "--url", str(one)).returncode == 0
    staging = inset(
        env, "add", "shop", "--type", "sqlite", "--url", str(two), "--environment", "staging"
    )
    assert staging.returncode == 0, staging.stderr
    replaced = inset(env, "add", "shop", "--type", "sqlite", "--url", str(two), "--replace")
    assert replaced.returncode == 0 and "updated" in replaced.stdout
    views = json.loads(inset(env, "list", "--json").stdout)
    assert [(v["environment"], v["url"]) for v in views] == [
        ("production", str(two)),
        ("staging", str(two)),
    ]
    assert inset(env, "test", "shop", "-e", "staging").returncode == 0
    removed = inset(env, "remove", "shop", "--environment", "staging")
    assert removed.returncode == 0, removed.stderr
    assert len(json.loads(inset(env, "list", "--json").stdout)) == 1
    assert "no resources" not in inset(env, "list").stdout


def test_allow_private_network_flag(env: dict[str, str]) -> None:
    url = "http://localhost:9000/api"
    opened = inset(env, "add", "open", "--type", "rest", "--url", url, "--allow-private-network")
    assert opened.returncode == 0, opened.stderr
    assert inset(env, "add", "closed", "--type", "rest", "--url", url).returncode == 0
    views = {v["name"]: v for v in json.loads(inset(env, "list", "--json").stdout)}
    assert views["open"]["options"] == {"allowPrivateNetwork": True}
    assert views["closed"]["options"] == {}
    refused = inset(env, "test", "closed")
    assert refused.returncode == 2
    assert "allowPrivateNetwork" in flat(refused.stderr)
