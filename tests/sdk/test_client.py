"""inset.client against the real ASGI app (async, httpx transport) and a real server (sync)."""

from __future__ import annotations

import httpx
import pytest

from inset.client import (
    AsyncInsetClient,
    AuthenticationError,
    InsetAPIError,
    InsetClient,
    PermissionDeniedError,
    ValidationError,
)
from inset.db import Database
from tests.factories import HOST_ORIGIN, World, make_world
from tests.sdk.conftest import APP_UUID, SdkServer


@pytest.fixture
async def world(database: Database) -> World:
    return await make_world(database)


def inset(client: httpx.AsyncClient, token: str) -> AsyncInsetClient:
    return AsyncInsetClient("http://testserver/", token, http_client=client)


async def test_async_embed_url_is_a_working_single_use_link(
    client: httpx.AsyncClient, world: World
) -> None:
    url = await inset(client, world.tokens["embed"]).embed_url(
        world.app_uuid,
        ["suppliers"],
        4711,
        user_info={"email": "ada@example.com", "firstName": "Ada"},
        metadata={"supplierId": 1},
        parent_origin=HOST_ORIGIN,
        session_duration_minutes=30,
        page_name=None,
    )
    assert url.startswith("http://testserver/embed/r/")
    first = await client.get(url)
    assert first.status_code == 200
    assert (await client.get(url)).status_code == 410  # single use


async def test_async_revoke_sessions_counts_and_needs_admin(
    client: httpx.AsyncClient, world: World
) -> None:
    embed = inset(client, world.tokens["embed"])
    for _ in range(2):
        url = await embed.embed_url(world.app_uuid, [world.groups["suppliers"]], "user-9")
        assert (await client.get(url)).status_code == 200
    with pytest.raises(PermissionDeniedError) as denied:
        await embed.revoke_sessions("user-9")
    assert denied.value.status == 403
    admin = inset(client, world.tokens["admin"])
    assert await admin.revoke_sessions("user-9") == 2
    assert await admin.revoke_sessions("user-9") == 0


async def test_async_typed_errors(client: httpx.AsyncClient, world: World) -> None:
    with pytest.raises(AuthenticationError) as unauthorized:
        await inset(client, "ins_not-a-token").embed_url(world.app_uuid, ["suppliers"], "u")
    assert unauthorized.value.status == 401
    assert unauthorized.value.code == "invalid_token"

    embed = inset(client, world.tokens["embed"])
    with pytest.raises(ValidationError) as unknown:
        await embed.embed_url(world.app_uuid, ["no-such-group"], "u")
    assert unknown.value.status == 422
    assert unknown.value.field == "groupIds"

    with pytest.raises(ValidationError) as origin:
        await embed.embed_url(
            world.app_uuid, ["suppliers"], "u", parent_origin="https://evil.example"
        )
    assert origin.value.code == "origin_not_allowed"
    assert origin.value.field == "parentOrigin"

    with pytest.raises(PermissionDeniedError) as forbidden:
        await embed.embed_url(world.app_uuid, ["outsiders"], "u")
    assert forbidden.value.code == "app_forbidden"
    assert isinstance(forbidden.value, InsetAPIError)
    assert "app_forbidden" in str(forbidden.value)


def test_group_ids_must_be_a_list() -> None:
    client = InsetClient("http://inset.invalid", "ins_x")
    with pytest.raises(TypeError):
        client.embed_url("app", "suppliers", "u")
    client.close()


@pytest.mark.browser
def test_sync_client_against_a_real_server(sdk_server: SdkServer) -> None:
    base = sdk_server.config.inset_api
    with InsetClient(base, sdk_server.config.embed_token) as embed:
        url = embed.embed_url(
            APP_UUID,
            ["suppliers"],
            "client-user",
            metadata={"supplierId": 1},
            parent_origin=sdk_server.host_origin,
            session_mode="cookieless",
        )
        assert url.startswith(f"{sdk_server.inset_url}/embed/r/")
        assert httpx.get(url.replace(sdk_server.inset_url, base)).status_code == 200
        with pytest.raises(ValidationError) as bad:
            embed.embed_url(APP_UUID, ["suppliers"], "client-user", release_version="9.9.9")
        assert bad.value.status in (400, 422)
    with InsetClient(base, sdk_server.admin_token) as admin:
        assert admin.revoke_sessions("client-user") == 1
