"""Embed sessions: cookieless and cookie mode, expiry, revocation, isolation."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, update

from inset.audit.models import AuditEvent
from inset.db import Database, utcnow
from inset.embed.models import EmbedSession
from tests.factories import HOST_ORIGIN, World, bearer, embed_body, make_world

BOOT = re.compile(r'<script type="application/json" id="inset-boot">(.*?)</script>', re.S)


@pytest.fixture
async def world(database: Database) -> World:
    return await make_world(database)


async def start_session(client: httpx.AsyncClient, world: World, **overrides: object) -> dict:
    minted = await client.post(
        "/api/embed-url/external-user",
        json=embed_body(world, **overrides),
        headers=bearer(world.tokens["embed"]),
    )
    assert minted.status_code == 200, minted.text
    page = await client.get(minted.json()["embedUrl"].removeprefix("http://testserver"))
    assert page.status_code == 200
    match = BOOT.search(page.text)
    assert match, page.text
    import json

    boot: dict = json.loads(match.group(1))
    return boot


async def test_cookieless_session_reaches_runtime_api(
    client: httpx.AsyncClient, world: World
) -> None:
    boot = await start_session(client, world, parentOrigin=HOST_ORIGIN, pageName="invoices")
    assert boot["mode"] == "cookieless"
    assert boot["sessionToken"].startswith("inss_")
    assert boot["parentOrigin"] == HOST_ORIGIN and boot["page"] == "invoices"
    response = await client.get("/api/runtime/app", headers=bearer(boot["sessionToken"]))
    assert response.status_code == 200
    body = response.json()
    assert body["user"]["externalIdentifier"] == "supplier-a-user"
    assert body["user"]["groups"] == ["suppliers"]
    assert [p["name"] for p in body["pages"]] == ["inventory", "invoices"]
    # Server-only facts never reach the browser.
    assert "supplierId" not in response.text and "metadata" not in response.text
    assert "access" not in body and "embed" not in body


async def test_runtime_api_refuses_without_session(client: httpx.AsyncClient, world: World) -> None:
    for headers in (
        {},
        bearer("inss_forged"),
        bearer(world.tokens["embed"]),
        {"X-Inset-Session": "abc"},
    ):
        response = await client.get("/api/runtime/app", headers=headers)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "invalid_session"


async def test_expired_session(client: httpx.AsyncClient, world: World) -> None:
    boot = await start_session(client, world)
    async with world.database.session() as session:
        await session.execute(
            update(EmbedSession).values(expires_at=utcnow() - timedelta(seconds=1))
        )
    response = await client.get("/api/runtime/app", headers=bearer(boot["sessionToken"]))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "session_expired"


@pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)
async def test_revoke_one_users_sessions(client: httpx.AsyncClient, world: World) -> None:
    a1 = await start_session(client, world)
    a2 = await start_session(client, world)
    b = await start_session(
        client, world, externalIdentifier="supplier-b-user", metadata={"supplierId": 2}
    )
    response = await client.post(
        "/api/v1/external-users/supplier-a-user/revoke-sessions",
        headers=bearer(world.tokens["admin"]),
    )
    assert response.status_code == 200 and response.json() == {"revoked": 2}
    for boot in (a1, a2):
        denied = await client.get("/api/runtime/app", headers=bearer(boot["sessionToken"]))
        assert denied.status_code == 401
        assert denied.json()["error"]["code"] == "session_revoked"
    ok = await client.get("/api/runtime/app", headers=bearer(b["sessionToken"]))
    assert ok.status_code == 200
    async with world.database.session() as session:
        event = await session.scalar(select(AuditEvent).where(AuditEvent.type == "session.revoked"))
    assert event is not None and event.data["count"] == 2


async def test_revoke_needs_admin_scope(client: httpx.AsyncClient, world: World) -> None:
    await start_session(client, world)
    response = await client.post(
        "/api/v1/external-users/supplier-a-user/revoke-sessions",
        headers=bearer(world.tokens["embed"]),
    )
    assert response.status_code == 403
    unknown = await client.post(
        "/api/v1/external-users/nobody/revoke-sessions", headers=bearer(world.tokens["admin"])
    )
    assert unknown.status_code == 404


async def test_delete_one_session_and_logout(client: httpx.AsyncClient, world: World) -> None:
    first = await start_session(client, world)
    second = await start_session(client, world)
    response = await client.delete(
        f"/api/v1/sessions/{first['sessionId']}", headers=bearer(world.tokens["admin"])
    )
    assert response.status_code == 204
    assert (
        await client.get("/api/runtime/app", headers=bearer(first["sessionToken"]))
    ).status_code == 401
    assert (
        await client.get("/api/runtime/app", headers=bearer(second["sessionToken"]))
    ).status_code == 200
    assert (
        await client.post("/api/runtime/logout", headers=bearer(second["sessionToken"]))
    ).status_code == 204
    assert (
        await client.get("/api/runtime/app", headers=bearer(second["sessionToken"]))
    ).status_code == 401


async def test_two_sessions_do_not_interfere(client: httpx.AsyncClient, world: World) -> None:
    a = await start_session(client, world)
    b = await start_session(client, world, externalIdentifier="supplier-b-user", groupIds=["staff"])
    ra = await client.get("/api/runtime/app", headers=bearer(a["sessionToken"]))
    rb = await client.get("/api/runtime/app", headers=bearer(b["sessionToken"]))
    assert ra.json()["user"]["externalIdentifier"] == "supplier-a-user"
    assert rb.json()["user"]["externalIdentifier"] == "supplier-b-user"
    assert rb.json()["user"]["groups"] == ["staff"]


async def test_cookie_mode(client: httpx.AsyncClient, world: World) -> None:
    minted = await client.post(
        "/api/embed-url/external-user",
        json=embed_body(world, sessionMode="cookie", parentOrigin=HOST_ORIGIN),
        headers=bearer(world.tokens["embed"]),
    )
    redeem = await client.get(minted.json()["embedUrl"].removeprefix("http://testserver"))
    assert redeem.status_code == 303
    set_cookie = redeem.headers["set-cookie"]
    for attribute in ("HttpOnly", "Secure", "SameSite=none", "Partitioned", "Path=/"):
        assert attribute.lower() in set_cookie.lower(), set_cookie
    assert redeem.headers["cache-control"] == "no-store"
    location = redeem.headers["location"]
    session_id = location.rsplit("/", 1)[1]
    assert location == f"/embed/s/{session_id}"
    cookie_name, cookie_value = set_cookie.split(";")[0].split("=", 1)
    assert cookie_name == f"inset_session_{session_id}"
    client.cookies.set(cookie_name, cookie_value)
    page = await client.get(location)
    assert page.status_code == 200
    boot = BOOT.search(page.text)
    assert boot and "sessionToken" not in boot.group(1) and cookie_value not in page.text
    assert f"frame-ancestors {HOST_ORIGIN}" in page.headers["content-security-policy"]
    headers = {"X-Inset-Session": session_id}
    ok = await client.get("/api/runtime/app", headers=headers)
    assert ok.status_code == 200
    # CSRF: another site's page cannot ride the cookie.
    evil = await client.get(
        "/api/runtime/app", headers={**headers, "Origin": "https://evil.example"}
    )
    assert evil.status_code == 403
    # The header must name the cookie's own session.
    other = await client.get(
        "/api/runtime/app", headers={"X-Inset-Session": "00000000-0000-0000-0000-000000000000"}
    )
    assert other.status_code == 401
    client.cookies.clear()
    assert (await client.get(location)).status_code == 401


@pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)
async def test_authenticating_a_session_is_one_select_and_sees_revocation_at_once(
    client: httpx.AsyncClient, world: World, database: Database
) -> None:
    """The hot path reads one row (session joined to its user) and writes nothing; a
    revocation committed by anyone applies to the very next request."""
    from sqlalchemy import event

    from inset.embed import service as embed_service

    boot = await start_session(client, world)
    statements: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement.split(None, 1)[0].upper())

    event.listen(database.engine.sync_engine, "before_cursor_execute", seen)
    try:
        async with database.session() as session:
            ctx = await embed_service.authenticate_session(session, secret=boot["sessionToken"])
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", seen)
    assert statements == ["SELECT"]
    assert ctx.external_identifier == "supplier-a-user" and ctx.group_names == ["suppliers"]
    assert ctx.metadata == {"supplierId": 1} and ctx.session_id == boot["sessionId"]

    async with database.session() as session:  # another "process" revokes it
        await session.execute(update(EmbedSession).values(revoked_at=utcnow()))
    refused = await client.get("/api/runtime/app", headers=bearer(boot["sessionToken"]))
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "session_revoked"
