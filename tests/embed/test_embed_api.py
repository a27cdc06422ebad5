"""POST /api/embed-url/external-user and nonce redemption, including every way to abuse them."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from inset.access.models import ExternalUser
from inset.audit.models import AuditEvent
from inset.db import Database, utcnow
from inset.embed.models import EmbedGrant
from tests.factories import BASE_BUNDLE, HOST_ORIGIN, World, bearer, embed_body, make_world

URL = "/api/embed-url/external-user"
NONCE_PATH = re.compile(r"^http://testserver/embed/r/([A-Za-z0-9_-]{43})$")


@pytest.fixture
async def world(database: Database) -> World:
    return await make_world(database)


async def mint(client: httpx.AsyncClient, world: World, **overrides: Any) -> str:
    response = await client.post(
        URL, json=embed_body(world, **overrides), headers=bearer(world.tokens["embed"])
    )
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"embedUrl"}
    url: str = response.json()["embedUrl"]
    assert NONCE_PATH.match(url), url
    return url.removeprefix("http://testserver")


def error_of(response: httpx.Response) -> dict[str, Any]:
    assert response.headers["content-type"].startswith("application/json"), response.text
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["message"]
    return body["error"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)
async def test_retool_shaped_call_returns_single_use_url(
    client: httpx.AsyncClient, world: World
) -> None:
    path = await mint(client, world)
    first = await client.get(path)
    assert first.status_code == 200
    assert 'id="inset-boot"' in first.text
    second = await client.get(path)
    assert second.status_code == 410
    assert "embed_url_used" in second.text
    # The error page is framed by the host (to tell its SDK) but only by the pinned origin.
    assert "frame-ancestors *" in second.headers["content-security-policy"]


async def test_app_page_headers(client: httpx.AsyncClient, world: World) -> None:
    response = await client.get(await mint(client, world, parentOrigin=HOST_ORIGIN))
    csp = response.headers["content-security-policy"]
    assert f"frame-ancestors {HOST_ORIGIN}" in csp
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert "script-src 'self'" in csp
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "x-frame-options" not in response.headers


async def test_frame_ancestors_default_to_app_list_and_deny_without_one(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await client.get(await mint(client, world))
    ancestors = response.headers["content-security-policy"].split("frame-ancestors ")[1]
    assert ancestors.split(";")[0].split() == [HOST_ORIGIN, "http://127.0.0.1:8701"]
    await world.add_release({**BASE_BUNDLE, "embed": {"parentOrigins": []}}, "1.0.1")
    response = await client.get(await mint(client, world))
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


async def test_api_responses_may_not_be_framed(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"


async def test_expired_nonce(client: httpx.AsyncClient, world: World) -> None:
    path = await mint(client, world, parentOrigin=HOST_ORIGIN)
    async with world.database.session() as session:
        await session.execute(update(EmbedGrant).values(expires_at=utcnow() - timedelta(seconds=1)))
    response = await client.get(path)
    assert response.status_code == 410
    assert "embed_url_expired" in response.text
    assert f"frame-ancestors {HOST_ORIGIN}" in response.headers["content-security-policy"]


@pytest.mark.parametrize("nonce", ["x" * 43, "short", "a" * 5000, "%00", "..%2F..%2Fhealthz"])
async def test_unknown_nonce(client: httpx.AsyncClient, world: World, nonce: str) -> None:
    response = await client.get(f"/embed/r/{nonce}")
    assert response.status_code == 404
    assert "embed_url_unknown" in response.text or response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)
async def test_concurrent_redemptions_yield_one_session(
    client: httpx.AsyncClient, world: World
) -> None:
    path = await mint(client, world)
    responses = await asyncio.gather(*(client.get(path) for _ in range(20)))
    assert sorted(r.status_code for r in responses).count(200) == 1
    assert all(r.status_code in (200, 410) for r in responses)


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 401, "missing_token"),
        ({"Authorization": "Basic abc"}, 401, "missing_token"),
        ({"Authorization": "Bearer "}, 401, "missing_token"),
        ({"Authorization": "Bearer ins_wrong"}, 401, "invalid_token"),
        ({"Authorization": "Bearer not-a-token"}, 401, "invalid_token"),
    ],
)
async def test_missing_or_invalid_token(
    client: httpx.AsyncClient, world: World, headers: dict[str, str], status: int, code: str
) -> None:
    response = await client.post(URL, json=embed_body(world), headers=headers)
    assert response.status_code == status
    assert error_of(response)["code"] == code


@pytest.mark.parametrize(
    ("token", "status", "code"),
    [
        ("revoked", 401, "token_revoked"),
        ("expired", 401, "token_expired"),
        ("admin", 403, "insufficient_scope"),
    ],
)
async def test_unusable_tokens(
    client: httpx.AsyncClient, world: World, token: str, status: int, code: str
) -> None:
    response = await client.post(URL, json=embed_body(world), headers=bearer(world.tokens[token]))
    assert response.status_code == status
    assert error_of(response)["code"] == code


async def test_group_without_app_access_is_refused_and_audited(
    client: httpx.AsyncClient, world: World
) -> None:
    body = embed_body(world, groupIds=[world.groups["outsiders"]])
    response = await client.post(URL, json=body, headers=bearer(world.tokens["embed"]))
    assert response.status_code == 403
    assert error_of(response)["code"] == "app_forbidden"
    async with world.database.session() as session:
        denied = list(
            await session.scalars(select(AuditEvent).where(AuditEvent.type == "embed_url.denied"))
        )
        grants = list(await session.scalars(select(EmbedGrant)))
    assert len(denied) == 1 and denied[0].outcome == "denied"
    assert grants == []


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"groupIds": [999_999]}, "groupIds"),
        ({"groupIds": ["no-such-group"]}, "groupIds"),
        ({"groupIds": []}, "groupIds"),
        ({"landingPageUuid": "00000000-0000-0000-0000-000000000000"}, "landingPageUuid"),
        ({"landingPageUuid": ""}, "landingPageUuid"),
        ({"releaseVersion": "9.9.9"}, "releaseVersion"),
        ({"metadata": {"blob": "x" * 9000}}, "metadata"),
        ({"metadata": []}, "metadata"),
        ({"parentOrigin": "https://evil.example"}, "parentOrigin"),
        ({"parentOrigin": "https://host.example/path"}, "parentOrigin"),
        ({"parentOrigin": "javascript:alert(1)"}, "parentOrigin"),
        ({"parentOrigin": "https://*.example"}, "parentOrigin"),
        ({"pageName": "nope"}, "pageName"),
        ({"sessionDurationMinutes": 0}, "sessionDurationMinutes"),
        ({"sessionDurationMinutes": 10081}, "sessionDurationMinutes"),
        ({"sessionMode": "third-party"}, "sessionMode"),
        ({"environment": "Prod uction"}, "environment"),
        ({"externalIdentifier": ""}, "externalIdentifier"),
        ({"externalIdentifier": None}, "externalIdentifier"),
        ({"externalIdentifier": "x" * 256}, "externalIdentifier"),
        ({"userInfo": "ada"}, "userInfo"),
        ({"parentOrgin": HOST_ORIGIN}, "parentOrgin"),
    ],
)
async def test_bad_bodies_name_the_field(
    client: httpx.AsyncClient, world: World, overrides: dict[str, Any], field: str
) -> None:
    response = await client.post(
        URL, json=embed_body(world, **overrides), headers=bearer(world.tokens["embed"])
    )
    assert response.status_code in (400, 422), response.text
    error = error_of(response)
    assert error["field"].split(".")[0] == field, error
    assert field in error["message"]


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"{",
        b"null",
        b"[]",
        b'"text"',
        b"123",
        b'{"groupIds": {"$gt": 0}}',
        '{"externalIdentifier": "\ud800"}'.encode("utf-8", "surrogatepass"),
        b"\xff\xfe",
    ],
)
async def test_malformed_json_is_a_4xx_json_error(
    client: httpx.AsyncClient, world: World, raw: bytes
) -> None:
    response = await client.post(
        URL,
        content=raw,
        headers={**bearer(world.tokens["embed"]), "Content-Type": "application/json"},
    )
    assert 400 <= response.status_code < 500
    error_of(response)


WRONG_VALUES: list[Any] = [None, True, 1.5, -1, "", "x" * 1000, [], {}, [None], {"a": [1]}]


EVERY_FIELD = [
    "landingPageUuid",
    "groupIds",
    "externalIdentifier",
    "userInfo",
    "metadata",
    "sessionDurationMinutes",
    "releaseVersion",
    "environment",
    "pageName",
    "parentOrigin",
    "sessionMode",
]


@pytest.mark.parametrize("field", EVERY_FIELD)
async def test_wrong_types_everywhere_never_500(
    client: httpx.AsyncClient, world: World, field: str
) -> None:
    for value in WRONG_VALUES:
        response = await client.post(
            URL, json=embed_body(world, **{field: value}), headers=bearer(world.tokens["embed"])
        )
        assert response.status_code < 500, (field, value, response.text)
        if response.status_code != 200:
            error_of(response)


async def test_group_names_and_app_slug_are_accepted(
    client: httpx.AsyncClient, world: World
) -> None:
    path = await mint(client, world, landingPageUuid=world.app_slug, groupIds=["suppliers"])
    assert (await client.get(path)).status_code == 200


async def test_external_user_is_upserted(client: httpx.AsyncClient, world: World) -> None:
    await mint(client, world)
    await mint(
        client, world, userInfo={"email": "new@supplier.example"}, metadata={"supplierId": 7}
    )
    async with world.database.session() as session:
        users = list(await session.scalars(select(ExternalUser)))
    assert len(users) == 1
    assert users[0].email == "new@supplier.example"
    assert users[0].first_name == "Ada"
    assert users[0].last_metadata == {"supplierId": 7}


async def test_nonce_is_stored_only_as_hash_and_never_audited(
    client: httpx.AsyncClient, world: World
) -> None:
    nonce = (await mint(client, world)).rsplit("/", 1)[1]
    await client.get(f"/embed/r/{nonce}")
    async with world.database.engine.connect() as conn:
        for table in ("embed_grants", "embed_sessions", "audit_events"):
            rows = (await conn.exec_driver_sql(f"SELECT * FROM {table}")).all()
            assert rows
            assert nonce not in json.dumps([list(map(str, r)) for r in rows])
    async with world.database.session() as session:
        created = await session.scalar(
            select(AuditEvent).where(AuditEvent.type == "embed_url.created")
        )
    assert created is not None
    assert created.data["groups"] == ["suppliers"] and created.data["release"] == "1.0.0"


@pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)
async def test_concurrent_first_mints_for_one_new_user(
    client: httpx.AsyncClient, world: World
) -> None:
    await mint(client, world)  # the token's last_used_at is fresh: no row lock serializes us
    responses = await asyncio.gather(
        *(
            client.post(
                URL,
                json=embed_body(world, externalIdentifier="brand-new"),
                headers=bearer(world.tokens["embed"]),
            )
            for _ in range(10)
        )
    )
    assert [r.status_code for r in responses] == [200] * 10, [r.text for r in responses]
    async with world.database.session() as session:
        users = list(
            await session.scalars(
                select(ExternalUser).where(ExternalUser.external_identifier == "brand-new")
            )
        )
    assert len(users) == 1
