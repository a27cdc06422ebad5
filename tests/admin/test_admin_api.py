"""Admin REST API added for the admin UI: group rename and detail, external-user search and
a user's sessions."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from inset.audit.models import AuditEvent
from inset.db import Database
from tests.embed.test_sessions import start_session
from tests.factories import World, bearer, make_world


@pytest.fixture
async def world(database: Database) -> World:
    return await make_world(database)


@pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)
async def test_rename_group(client: httpx.AsyncClient, database: Database, world: World) -> None:
    admin = bearer(world.tokens["admin"])
    group_id = world.groups["staff"]
    renamed = await client.patch(
        f"/api/v1/groups/{group_id}", json={"name": "staff-eu"}, headers=admin
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "staff-eu"
    taken = await client.patch(
        f"/api/v1/groups/{group_id}", json={"name": "suppliers"}, headers=admin
    )
    assert taken.status_code == 409 and taken.json()["error"]["field"] == "name"
    digits = await client.patch(f"/api/v1/groups/{group_id}", json={"name": "123"}, headers=admin)
    assert digits.status_code == 422 and digits.json()["error"]["field"] == "name"
    empty = await client.patch(f"/api/v1/groups/{group_id}", json={"name": ""}, headers=admin)
    assert empty.status_code == 422 and empty.json()["error"]["field"] == "name"
    missing = await client.patch("/api/v1/groups/9999", json={"name": "x"}, headers=admin)
    assert missing.status_code == 404
    refused = await client.patch(
        f"/api/v1/groups/{group_id}", json={"name": "y"}, headers=bearer(world.tokens["embed"])
    )
    assert refused.status_code == 403
    async with database.session() as session:
        [event] = await session.scalars(
            select(AuditEvent).where(AuditEvent.type == "admin.group.renamed")
        )
    assert event.data == {
        "before": {"id": group_id, "name": "staff"},
        "after": {"id": group_id, "name": "staff-eu"},
    }
    assert event.actor_type == "token"


async def test_group_detail(client: httpx.AsyncClient, world: World) -> None:
    await start_session(client, world, externalIdentifier="sup-1")
    await start_session(client, world, externalIdentifier="sup-2")
    await start_session(
        client, world, externalIdentifier="staffer", groupIds=[world.groups["staff"]]
    )
    admin = bearer(world.tokens["admin"])
    detail = await client.get(f"/api/v1/groups/{world.groups['suppliers']}", headers=admin)
    assert detail.status_code == 200, detail.text
    body = detail.json()
    assert body["name"] == "suppliers"
    assert body["access"] == [
        {"app": "supplier-portal", "name": "Supplier portal", "version": "1.0.0", "level": "use"}
    ]
    assert [u["externalIdentifier"] for u in body["recentUsers"]] == ["sup-2", "sup-1"]
    outsiders = await client.get(f"/api/v1/groups/{world.groups['outsiders']}", headers=admin)
    assert outsiders.json()["access"][0]["level"] == "none"
    assert outsiders.json()["recentUsers"] == []


@pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)
async def test_search_external_users(
    client: httpx.AsyncClient, database: Database, world: World
) -> None:
    for i in range(3):
        await start_session(
            client,
            world,
            externalIdentifier=f"acme-{i}",
            userInfo={"email": f"p{i}@acme.example", "firstName": "Pat", "lastName": f"Lee{i}"},
        )
    await start_session(client, world, externalIdentifier="other_1", userInfo={"email": "o@x.io"})
    admin = bearer(world.tokens["admin"])

    async def search(**params: str) -> dict:
        response = await client.get("/api/v1/external-users", params=params, headers=admin)
        assert response.status_code == 200, response.text
        return dict(response.json())

    assert [u["externalIdentifier"] for u in (await search())["users"]] == [
        "other_1",
        "acme-2",
        "acme-1",
        "acme-0",
    ]
    assert len((await search(search="ACME"))["users"]) == 3
    assert [u["externalIdentifier"] for u in (await search(search="pat lee1"))["users"]] == [
        "acme-1"
    ]
    assert [u["externalIdentifier"] for u in (await search(search="o@x"))["users"]] == ["other_1"]
    assert (await search(search="%"))["users"] == []  # LIKE wildcards are literal
    assert [u["externalIdentifier"] for u in (await search(search="r_1"))["users"]] == ["other_1"]
    bad = await client.get("/api/v1/external-users?cursor=zzz", headers=admin)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "cursor"


async def test_paging_external_users(client: httpx.AsyncClient, world: World) -> None:
    from inset.access import service as access

    async with world.database.session() as session:
        for i in range(55):
            await access.upsert_external_user(session, f"user-{i:02d}", {}, [], {})
    admin = bearer(world.tokens["admin"])
    first = (await client.get("/api/v1/external-users", headers=admin)).json()
    assert len(first["users"]) == 50 and first["nextCursor"]
    second = (
        await client.get(
            "/api/v1/external-users", params={"cursor": first["nextCursor"]}, headers=admin
        )
    ).json()
    assert [u["externalIdentifier"] for u in second["users"]] == [
        f"user-{i:02d}" for i in range(4, -1, -1)
    ]
    assert second["nextCursor"] is None


async def test_user_sessions(client: httpx.AsyncClient, world: World) -> None:
    first = await start_session(client, world, parentOrigin="https://host.example")
    second = await start_session(client, world)
    assert (
        await client.get("/api/runtime/app", headers=bearer(second["sessionToken"]))
    ).status_code == 200
    admin = bearer(world.tokens["admin"])
    url = "/api/v1/external-users/supplier-a-user/sessions"
    sessions = (await client.get(url, headers=admin)).json()
    assert [s["id"] for s in sessions] == [second["sessionId"], first["sessionId"]]
    assert {s["status"] for s in sessions} == {"live"}
    assert sessions[1]["parentOrigin"] == "https://host.example"
    assert sessions[0]["app"] == "supplier-portal" and sessions[0]["appName"] == "Supplier portal"
    assert sessions[0]["lastSeenAt"] >= sessions[0]["startedAt"]
    deleted = await client.delete(f"/api/v1/sessions/{first['sessionId']}", headers=admin)
    assert deleted.status_code == 204
    sessions = (await client.get(url, headers=admin)).json()
    assert [s["status"] for s in sessions] == ["live", "revoked"]
    assert sessions[1]["endedAt"] is not None
    await client.post("/api/runtime/logout", headers=bearer(second["sessionToken"]))
    assert [s["status"] for s in (await client.get(url, headers=admin)).json()] == [
        "ended",
        "revoked",
    ]
    missing = await client.get("/api/v1/external-users/nobody/sessions", headers=admin)
    assert missing.status_code == 404
    assert (await client.get(url, headers=bearer(world.tokens["embed"]))).status_code == 403
