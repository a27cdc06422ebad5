"""Through the real API: open sessions keep their release across deploys and promotes;
releaseVersion pins; `latest` follows deploy and promote; environment picks credentials
(the staging → production workflow)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest

from inset.access import service as access
from inset.auth import service as auth
from inset.db import Database
from inset.resources.service import add_resource
from tests.factories import bearer

from .conftest import commit, git

APP_UUID = "0b6f6d1e-1c1d-4d3e-8f00-00000000beef"
APP_YAML = f"""\
uuid: {APP_UUID}
name: Pin
access: [{{group: suppliers, level: use}}]
pages: [main]
queries:
  info: {{resource: warehouse, sql: "SELECT label FROM info"}}
"""
PAGE = """\
title: Main
components:
  - {id: title, type: heading, value: "TITLE"}
  - {id: rows, type: table, data: "{{ queries.info.data }}"}
"""


def write_page(repo: Path, title: str) -> None:
    (repo / "pin" / "pages" / "main.yaml").write_text(PAGE.replace("TITLE", title))


def warehouse(path: Path, label: str) -> str:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE info (label TEXT)")
        conn.execute("INSERT INTO info VALUES (?)", (label,))
    return str(path)


@pytest.fixture
async def setup(database: Database, tmp_path: Path) -> dict[str, Any]:
    repo = tmp_path / "repo"
    (repo / "pin" / "pages").mkdir(parents=True)
    (repo / "pin" / "app.yaml").write_text(APP_YAML)
    write_page(repo, "First")
    git(repo, "init", "-q", "-b", "main")
    commit(repo, "First")
    async with database.session() as session:
        await access.create_group(session, "suppliers")
        for environment in ("production", "staging"):
            url = warehouse(tmp_path / f"{environment}.db", f"{environment} data")
            await add_resource(session, "warehouse", "sqlite", url, environment=environment)
        embed = (await auth.create_token(session, "host", ["embed"])).secret
        deploy = (await auth.create_token(session, "ci", ["apps:deploy"])).secret
    return {"repo": repo, "embed": embed, "deploy": deploy}


async def deploy(client: httpx.AsyncClient, setup: dict[str, Any], **extra: Any) -> str:
    response = await client.post(
        "/api/v1/deployments",
        json={"gitUrl": f"file://{setup['repo']}", **extra},
        headers=bearer(setup["deploy"]),
    )
    assert response.status_code == 200, response.text
    version: str = response.json()["apps"][0]["version"]
    return version


async def open_session(client: httpx.AsyncClient, setup: dict[str, Any], **extra: Any) -> dict:
    minted = await client.post(
        "/api/embed-url/external-user",
        json={"landingPageUuid": "pin", "groupIds": ["suppliers"], "externalIdentifier": "u1"}
        | extra,
        headers=bearer(setup["embed"]),
    )
    assert minted.status_code == 200, minted.text
    page = await client.get(minted.json()["embedUrl"].removeprefix("http://testserver"))
    boot = json.loads(page.text.split('id="inset-boot">', 1)[1].split("</script>", 1)[0])
    return bearer(boot["sessionToken"])


async def seen(client: httpx.AsyncClient, headers: dict) -> tuple[str, str]:
    """(version, heading) the session's runtime gets."""
    response = await client.get("/api/runtime/app", headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    return body["app"]["version"], body["pages"][0]["components"][0]["value"]


async def rows(client: httpx.AsyncClient, headers: dict) -> list[Any]:
    response = await client.post("/api/runtime/queries/info/run", headers=headers, json={})
    assert response.status_code == 200, response.text
    return [row["label"] for row in response.json()["rows"]]


async def promote(client: httpx.AsyncClient, setup: dict[str, Any], version: str) -> None:
    response = await client.post(
        f"/api/v1/apps/pin/releases/{version}/promote", headers=bearer(setup["deploy"])
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)
async def test_sessions_keep_their_release(client: httpx.AsyncClient, setup: dict) -> None:
    assert await deploy(client, setup) == "1.0.0"
    old = await open_session(client, setup)
    assert await seen(client, old) == ("1.0.0", "First")

    write_page(setup["repo"], "Second")
    commit(setup["repo"], "Second")
    assert await deploy(client, setup) == "1.0.1"
    assert await seen(client, old) == ("1.0.0", "First")  # the open session is pinned
    new = await open_session(client, setup)
    assert await seen(client, new) == ("1.0.1", "Second")  # a new embed gets latest
    pinned = await open_session(client, setup, releaseVersion="1.0.0")
    assert await seen(client, pinned) == ("1.0.0", "First")

    await promote(client, setup, "1.0.0")  # rollback
    assert await seen(client, await open_session(client, setup)) == ("1.0.0", "First")
    assert await seen(client, new) == ("1.0.1", "Second")  # still its own release
    pinned_new = await open_session(client, setup, releaseVersion="1.0.1")
    assert await seen(client, pinned_new) == ("1.0.1", "Second")

    unknown = await client.post(
        "/api/embed-url/external-user",
        json={
            "landingPageUuid": "pin",
            "groupIds": ["suppliers"],
            "externalIdentifier": "u1",
            "releaseVersion": "7.7.7",
        },
        headers=bearer(setup["embed"]),
    )
    assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "releaseVersion"


async def test_deploy_check_in_staging_then_promote_to_production(
    client: httpx.AsyncClient, setup: dict
) -> None:
    assert await deploy(client, setup) == "1.0.0"
    write_page(setup["repo"], "Candidate")
    commit(setup["repo"], "Candidate")
    # Stored, but production's "latest" does not move yet.
    assert await deploy(client, setup, promote=False) == "1.0.1"
    production = await open_session(client, setup)
    assert await seen(client, production) == ("1.0.0", "First")
    assert await rows(client, production) == ["production data"]

    staging = await open_session(client, setup, environment="staging", releaseVersion="1.0.1")
    assert await seen(client, staging) == ("1.0.1", "Candidate")
    assert await rows(client, staging) == ["staging data"]  # staging credentials

    await promote(client, setup, "1.0.1")
    after = await open_session(client, setup)
    assert await seen(client, after) == ("1.0.1", "Candidate")
    assert await rows(client, after) == ["production data"]
    assert await seen(client, production) == ("1.0.0", "First")
