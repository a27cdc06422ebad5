"""Access explain: the answer must match what embed and run_query actually enforce."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from typing import Any

import httpx
import pytest

from inset.db import Database
from tests.factories import BASE_BUNDLE, World, bearer, embed_body, make_world, query

URL = "/api/v1/access/explain"


@pytest.fixture
async def world(database: Database) -> World:
    bundle = copy.deepcopy(BASE_BUNDLE)
    bundle["queries"] = {
        "open_read": query("SELECT 1"),
        "staff_read": query("SELECT 2", allowedGroups=["staff"]),
        "write_nobody": query("UPDATE t SET a = 1", kind="write"),
        "write_empty": query("UPDATE t SET a = 1", kind="write", allowedGroups=[]),
        "write_suppliers": query("UPDATE t SET a = 2", kind="write", allowedGroups=["suppliers"]),
        "customer": {"kind": "parent", "selector": "customerId"},
    }
    return await make_world(database, bundle)


async def explain(client: httpx.AsyncClient, world: World, **body: Any) -> httpx.Response:
    return await client.post(URL, json=body, headers=bearer(world.tokens["admin"]))


def by_name(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {i["name"]: i for i in items}


@pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)
async def test_suppliers(client: httpx.AsyncClient, world: World) -> None:
    response = await explain(client, world, groupIds=[world.groups["suppliers"]])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["subject"]["groups"] == [{"id": world.groups["suppliers"], "name": "suppliers"}]
    [app] = body["apps"]
    assert app["app"]["uuid"] == world.app_uuid and app["release"] == "1.0.0"
    assert app["access"]["level"] == "use"
    assert app["access"]["rules"] == [{"group": "suppliers", "level": "use"}]
    assert all(p["reachable"] for p in app["pages"]) and len(app["pages"]) == 2
    q = by_name(app["queries"])
    assert q["open_read"]["runnable"] and "without allowedGroups" in q["open_read"]["reason"]
    assert not q["staff_read"]["runnable"] and "allowedGroups" in q["staff_read"]["reason"]
    assert not q["write_nobody"]["runnable"] and "default deny" in q["write_nobody"]["reason"]
    assert not q["write_empty"]["runnable"] and "default deny" in q["write_empty"]["reason"]
    assert q["write_suppliers"]["runnable"]
    assert q["write_suppliers"]["reason"] == "allowedGroups includes suppliers"
    assert not q["customer"]["runnable"] and "parent" in q["customer"]["reason"]


async def test_highest_level_wins_and_names_its_rule(
    client: httpx.AsyncClient, world: World
) -> None:
    body = (await explain(client, world, groupIds=["suppliers", "staff"])).json()
    access = body["apps"][0]["access"]
    assert access["level"] == "own" and access["rules"] == [{"group": "staff", "level": "own"}]
    q = by_name(body["apps"][0]["queries"])
    assert q["staff_read"]["runnable"] and q["write_suppliers"]["runnable"]


async def test_outsiders_reach_nothing(client: httpx.AsyncClient, world: World) -> None:
    body = (
        await explain(client, world, groupIds=[world.groups["outsiders"]], app=world.app_slug)
    ).json()
    [app] = body["apps"]
    assert app["access"]["level"] == "none" and app["access"]["rules"] == []
    assert not any(p["reachable"] for p in app["pages"])
    assert not any(q["runnable"] for q in app["queries"])
    assert all(q["reason"] == "no access to the app" for q in app["queries"])


async def test_user_uses_groups_of_last_embed(client: httpx.AsyncClient, world: World) -> None:
    minted = await client.post(
        "/api/embed-url/external-user",
        json=embed_body(world, groupIds=[world.groups["staff"]]),
        headers=bearer(world.tokens["embed"]),
    )
    assert minted.status_code == 200, minted.text
    body = (await explain(client, world, externalIdentifier="supplier-a-user")).json()
    assert body["subject"]["groupsFrom"] == "lastEmbed"
    assert [g["name"] for g in body["subject"]["groups"]] == ["staff"]
    assert body["apps"][0]["access"]["level"] == "own"


@pytest.mark.parametrize(
    "body,status,field",
    [
        ({}, 422, "externalIdentifier"),
        ({"externalIdentifier": "x", "groupIds": [1]}, 422, "externalIdentifier"),
        ({"groupIds": []}, 422, "groupIds"),
        ({"groupIds": [999]}, 422, "groupIds"),
        ({"groupIds": ["no-such-group"]}, 422, "groupIds"),
        ({"groupIds": [1], "app": "no-such-app"}, 422, "app"),
        ({"externalIdentifier": "nobody"}, 404, "externalIdentifier"),
        ({"groupIds": [1], "extra": True}, 422, "extra"),
        ({"groupIds": [{"id": 1}]}, 422, "groupIds"),
        ({"groupIds": list(range(101))}, 422, "groupIds"),
    ],
)
async def test_bad_requests(
    client: httpx.AsyncClient, world: World, body: dict[str, Any], status: int, field: str
) -> None:
    response = await client.post(URL, json=body, headers=bearer(world.tokens["admin"]))
    assert response.status_code == status, response.text
    assert response.json()["error"]["field"].startswith(field)


async def test_needs_admin(client: httpx.AsyncClient, world: World) -> None:
    response = await client.post(URL, json={"groupIds": [1]}, headers=bearer(world.tokens["embed"]))
    assert response.status_code == 403


def test_cli(world: World, database: Database) -> None:
    env = {k: v for k, v in os.environ.items() if k != "INSET_DATABASE_URL"}
    env["INSET_DATABASE_URL"] = database.url

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "inset", "access", "explain", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    done = run("--groups", "suppliers,staff", "--app", world.app_uuid)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["apps"][0]["access"]["level"] == "own"
    both = run("--groups", "staff", "--user", "x")
    assert both.returncode == 2 and "exactly one" in both.stderr
    unknown = run("--groups", "nope")
    assert unknown.returncode == 2 and "unknown group" in unknown.stderr
