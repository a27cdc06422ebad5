"""Admin changes made with the CLI are audited like their admin API counterparts: the same
event types and ``data``, actor_type ``cli``, actor_id the OS user, no secret in the log.
Each command runs as a user runs it (a subprocess on the test's metadata database)."""

from __future__ import annotations

import getpass
import json
import os
import subprocess
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from inset import cli_support
from inset.audit import service as audit
from inset.audit.models import AuditEvent
from inset.db import Database
from tests.factories import bearer, make_world
from tests.support.live import cli_process

OS_USER = "ops-alice"
PASSWORD = "correct horse battery staple"
DB_PASSWORD = "Pg-s3cret-pw"
NEW_DB_PASSWORD = "Pg-n3w-pw-42"
HEADER_SECRET = "hdr-s3cret-value"
QUERY_SECRET = "qs-s3cret-key"


def inset(
    database: Database, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``inset ARGS…`` in a subprocess as the OS user ``OS_USER`` (getpass reads $LOGNAME)."""
    env = {**os.environ, "INSET_DATABASE_URL": database.url, "LOGNAME": OS_USER}
    return cli_process(env, *args, stdin=stdin)


async def last_id(database: Database) -> int:
    async with database.session() as session:
        return int(await session.scalar(select(func.max(AuditEvent.id))) or 0)


async def events_after(database: Database, after: int) -> list[dict[str, Any]]:
    async with database.session() as session:
        rows = await session.scalars(
            select(AuditEvent).where(AuditEvent.id > after).order_by(AuditEvent.id)
        )
        return [audit.event_dict(row) for row in rows]


async def cli_step(
    database: Database, *args: str, stdin: str | None = None
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """Run one command that must succeed and write exactly one event, by the CLI user."""
    before = await last_id(database)
    done = inset(database, *args, stdin=stdin)
    assert done.returncode == 0, done.stderr
    events = await events_after(database, before)
    assert len(events) == 1, [e["type"] for e in events]
    event = events[0]
    assert (event["actorType"], event["actorId"], event["outcome"]) == ("cli", OS_USER, "ok")
    return done, event


async def test_tokens_groups_and_admin_users(database: Database) -> None:
    done, event = await cli_step(
        database, "tokens", "create", "--name", "ci", "--scope", "embed", "--scope", "admin"
    )
    secret = done.stdout.strip()
    assert secret.startswith("ins_")
    token_id = event["data"]["tokenId"]
    assert event["type"] == "token.created"
    assert event["data"] == {"tokenId": token_id, "name": "ci", "scopes": ["embed", "admin"]}
    assert secret not in json.dumps(event) and secret[8:] not in json.dumps(event)

    _, event = await cli_step(database, "tokens", "revoke", str(token_id))
    assert (event["type"], event["data"]) == ("token.revoked", {"tokenId": token_id})

    done, event = await cli_step(database, "groups", "create", "suppliers")
    group_id = int(done.stdout.strip())
    assert event["type"] == "admin.group.created"
    assert event["data"] == {"after": {"id": group_id, "name": "suppliers"}}

    done, event = await cli_step(database, "admin", "setup-token")
    setup_secret = done.stdout.strip()
    assert setup_secret.startswith("inss_")
    assert event["type"] == "admin.setup_token.created"
    assert event["data"] == {"expiresInMinutes": 60}
    assert setup_secret not in json.dumps(event)

    _, event = await cli_step(
        database, "admin", "create-user", "Ops@Example.com", "--password-stdin", stdin=PASSWORD
    )
    assert event["type"] == "admin.user.created"
    assert event["data"]["after"]["email"] == "ops@example.com"
    assert set(event["data"]["after"]) == {"id", "email"}
    assert PASSWORD not in json.dumps(event)

    # A refused command changes nothing and records nothing (one transaction).
    before = await last_id(database)
    assert inset(database, "groups", "create", "suppliers").returncode == 2
    assert inset(database, "tokens", "revoke", "999").returncode == 2
    assert inset(database, "admin", "setup-token").returncode == 2  # an admin exists now
    assert await events_after(database, before) == []


async def test_resources_add_replace_remove(database: Database) -> None:
    url = f"postgresql://reader:{DB_PASSWORD}@db.example:5432/warehouse?sslmode=require"
    _, event = await cli_step(
        database, "resources", "add", "warehouse", "--type", "postgres", "--url-stdin", stdin=url
    )
    assert event["type"] == "admin.resource.created"
    data = event["data"]
    assert (data["name"], data["environment"], data["before"]) == (
        "warehouse",
        "production",
        None,
    )
    after = data["after"]
    assert (after["host"], after["user"], after["password"]) == (
        "db.example",
        "reader",
        {"set": True},
    )

    new_url = url.replace(DB_PASSWORD, NEW_DB_PASSWORD)
    _, event = await cli_step(
        database,
        "resources",
        "add",
        "warehouse",
        "--type",
        "postgres",
        "--url",
        new_url,
        "--replace",
    )
    assert event["type"] == "admin.resource.updated"
    assert event["data"]["before"] == after
    assert event["data"]["after"]["password"] == {"set": True}

    rest_url = f"https://api.example.com/v1?api_key={QUERY_SECRET}"
    _, rest = await cli_step(
        database,
        "resources",
        "add",
        "billing",
        "--type",
        "rest",
        "-e",
        "staging",
        "--url",
        rest_url,
        "--header",
        f"Authorization: Bearer {HEADER_SECRET}",
    )
    assert rest["type"] == "admin.resource.created"
    assert (rest["data"]["name"], rest["data"]["environment"]) == ("billing", "staging")
    assert rest["data"]["after"]["headers"] == [{"name": "Authorization", "value": {"set": True}}]

    _, removed = await cli_step(database, "resources", "remove", "warehouse")
    assert removed["type"] == "admin.resource.deleted"
    assert removed["data"] == {
        "name": "warehouse",
        "environment": "production",
        "before": event["data"]["after"],
    }

    before = await last_id(database)
    assert inset(database, "resources", "remove", "warehouse").returncode == 2
    assert inset(database, "resources", "add", "billing", "--type", "rest", "-e", "staging",
                 "--url", rest_url).returncode == 2  # fmt: skip
    assert await events_after(database, before) == []

    everything = json.dumps(await events_after(database, 0))
    for secret in (DB_PASSWORD, NEW_DB_PASSWORD, HEADER_SECRET, QUERY_SECRET):
        assert secret not in everything


APP_YAML = """\
uuid: {uuid}
name: CLI audit app
access: []
embed:
  parentOrigins: []
pages: [main]
"""


def write_app(root: Path, title: str) -> Path:
    app_dir = root / "cli-audit"
    (app_dir / "pages").mkdir(parents=True, exist_ok=True)
    if not (app_dir / "app.yaml").exists():
        (app_dir / "app.yaml").write_text(APP_YAML.format(uuid=uuid.uuid4()))
    (app_dir / "pages" / "main.yaml").write_text(
        f"title: {title}\ncomponents:\n  - {{type: heading, value: {title}, level: 1}}\n"
    )
    return app_dir


async def test_deploy_and_promote(database: Database, tmp_path: Path) -> None:
    app_dir = write_app(tmp_path, "First")
    _, first = await cli_step(database, "deploy", str(app_dir))
    assert first["type"] == "admin.app_deployed" and first["appId"] is not None
    assert first["data"]["slug"] == "cli-audit" and first["data"]["promoted"] is True

    write_app(tmp_path, "Second")
    _, second = await cli_step(database, "deploy", str(app_dir), "--no-promote")
    assert second["type"] == "admin.app_deployed" and second["data"]["promoted"] is False

    version = second["data"]["version"]
    _, promoted = await cli_step(database, "releases", "promote", "cli-audit", version)
    assert promoted["type"] == "admin.release_promoted"
    assert promoted["appId"] == first["appId"]
    assert promoted["data"]["version"] == version
    assert promoted["data"]["previous_version"] == first["data"]["version"]

    before = await last_id(database)
    unchanged = inset(database, "deploy", str(app_dir))
    assert unchanged.returncode == 0, unchanged.stderr
    again = inset(database, "releases", "promote", "cli-audit", version)
    assert again.returncode == 0, again.stderr
    assert await events_after(database, before) == []  # nothing changed, nothing recorded

    write_app(tmp_path, "First")
    _, restored = await cli_step(database, "deploy", str(app_dir))
    assert restored["type"] == "admin.release_restored"
    assert restored["data"]["version"] == first["data"]["version"]


async def test_cli_events_match_the_admin_api(
    client: httpx.AsyncClient, database: Database
) -> None:
    """The CLI records what the admin API records for the same change, but the actor."""
    world = await make_world(database)
    admin = bearer(world.tokens["admin"])
    before = await last_id(database)
    made = await client.post(
        "/api/v1/tokens", json={"name": "ci", "scopes": ["audit:read"]}, headers=admin
    )
    assert made.status_code == 201, made.text
    grouped = await client.post("/api/v1/groups", json={"name": "auditors"}, headers=admin)
    assert grouped.status_code == 201, grouped.text
    api = {e["type"]: e for e in await events_after(database, before)}
    _, token = await cli_step(database, "tokens", "create", "--name", "ci", "--scope", "audit:read")
    _, group = await cli_step(database, "groups", "create", "auditors-2")

    def without_ids(data: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in data.items() if k != "tokenId"}

    assert api["token.created"]["actorType"] == "token"
    assert without_ids(token["data"]) == without_ids(api["token.created"]["data"])
    assert set(token["data"]) == set(api["token.created"]["data"])
    assert set(group["data"]["after"]) == set(api["admin.group.created"]["data"]["after"])


def test_cli_user_falls_back_to_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_user() -> str:
        raise OSError("No username set in the environment")

    monkeypatch.setattr(getpass, "getuser", no_user)
    assert cli_support.cli_user() == "unknown"
    monkeypatch.setattr(getpass, "getuser", lambda: "")
    assert cli_support.cli_user() == "unknown"
    monkeypatch.setattr(getpass, "getuser", lambda: "x" * 300)
    assert cli_support.cli_user() == "x" * 255
