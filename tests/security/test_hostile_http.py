"""Hostile requests against the real ASGI app: clickjacking, session fixation, open
redirects, path traversal, oversized bodies and YAML bombs through the deploy API."""

from __future__ import annotations

import gzip
import io
import tarfile
import zipfile
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from inset.app import create_app
from inset.db import Database
from inset.embed.service import COOKIE_PREFIX
from inset.errors import InsetError
from inset.resources.service import add_resource, get_resource_config
from tests.factories import HOST_ORIGIN, World, bearer, embed_body, make_world
from tests.security.helpers import BILLION_LAUGHS, BOOT, DEEP, boot_of, mint, start_session

EVIL = "https://evil.example"


@pytest.fixture
async def world(database: Database) -> World:
    return await make_world(database)


def get_routes(app: FastAPI) -> list[str]:
    """Every GET route template the app serves (included routers too)."""
    paths: list[str] = []
    for route in app.router.routes:
        inner = getattr(route, "original_router", None)
        for r in inner.routes if inner is not None else [route]:
            if "GET" in (getattr(r, "methods", None) or ()):
                paths.append(r.path)
    return paths


# ---------------------------------------------------------------- clickjacking


def frame_ancestors(response: httpx.Response) -> list[str]:
    csp = response.headers["content-security-policy"]
    return csp.split("frame-ancestors ", 1)[1].split(";")[0].split()


async def test_embed_page_may_be_framed_only_by_the_pinned_origin(
    client: httpx.AsyncClient, world: World
) -> None:
    page = await client.get(await mint(client, world, parentOrigin=HOST_ORIGIN))
    assert page.status_code == 200
    # Exactly the pinned origin: not the app's other allowed origins, not a wildcard.
    assert frame_ancestors(page) == [HOST_ORIGIN]
    assert "x-frame-options" not in page.headers


async def test_every_other_page_refuses_to_be_framed(
    client: httpx.AsyncClient, world: World
) -> None:
    app = create_app()
    concrete = [p for p in get_routes(app) if "{" not in p and not p.startswith("/embed/")]
    concrete += ["/static/runtime.js", "/sdk/inset-embed.js", "/api/docs", "/no-such-page"]
    assert "/healthz" in concrete and "/openapi.json" in concrete
    for path in concrete:
        response = await client.get(path)
        assert frame_ancestors(response) == ["'none'"], path
        assert response.headers["x-frame-options"] == "DENY", path


# ---------------------------------------------------------------- session fixation


async def test_redeem_never_adopts_a_session_the_caller_brings(
    client: httpx.AsyncClient, world: World
) -> None:
    attacker = await start_session(client, world)
    # Cookieless: the attacker's session secret sent along is ignored; a fresh one is made.
    url = await mint(client, world)
    victim = boot_of(await client.get(url, headers=bearer(attacker["sessionToken"])))
    assert victim["sessionId"] != attacker["sessionId"]
    assert victim["sessionToken"] != attacker["sessionToken"]

    # Cookie mode: a planted cookie named for the attacker's session is not reused.
    planted = {f"{COOKIE_PREFIX}{attacker['sessionId']}": attacker["sessionToken"]}
    minted = await client.post(
        "/api/embed-url/external-user",
        json=embed_body(world, sessionMode="cookie", parentOrigin=HOST_ORIGIN),
        headers=bearer(world.tokens["embed"]),
    )
    redeem = await client.get(
        minted.json()["embedUrl"].removeprefix("http://testserver"),
        headers={"Cookie": "; ".join(f"{k}={v}" for k, v in planted.items())},
    )
    assert redeem.status_code == 303
    new_id = redeem.headers["location"].rsplit("/", 1)[1]
    name, value = redeem.headers["set-cookie"].split(";")[0].split("=", 1)
    assert new_id not in (attacker["sessionId"], victim["sessionId"])
    assert name == f"{COOKIE_PREFIX}{new_id}" and value != attacker["sessionToken"]


async def test_a_cookie_set_for_another_session_id_is_refused(
    client: httpx.AsyncClient, world: World
) -> None:
    mine = await start_session(client, world)
    other = await start_session(client, world, externalIdentifier="someone-else")
    # The cookie named for session A carries session B's secret.
    forged = {"Cookie": f"{COOKIE_PREFIX}{mine['sessionId']}={other['sessionToken']}"}
    api = await client.get(
        "/api/runtime/app", headers={**forged, "X-Inset-Session": mine["sessionId"]}
    )
    assert api.status_code == 401 and api.json()["error"]["code"] == "invalid_session"
    page = await client.get(f"/embed/s/{mine['sessionId']}", headers=forged)
    assert page.status_code == 401 and not BOOT.search(page.text)


# ---------------------------------------------------------------- open redirects

REDIRECT_PARAMS = ("next", "redirect", "redirect_uri", "return_to", "returnTo", "url", "to")
TARGETS = (EVIL, "//evil.example", "/\\evil.example", "https:evil.example", "%2F%2Fevil.example")


async def test_no_endpoint_redirects_to_a_caller_supplied_url(
    client: httpx.AsyncClient, world: World
) -> None:
    app = create_app()
    probes = [p for p in get_routes(app) if "{" not in p]
    probes += ["//evil.example", "//evil.example/%2e%2e", "/\\evil.example", "/admin/"]
    probes += [await mint(client, world, sessionMode="cookie", parentOrigin=HOST_ORIGIN)]
    redirects = 0
    for path in probes:
        for param in REDIRECT_PARAMS:
            for target in TARGETS:
                response = await client.get(f"{path}?{param}={target}")
                if response.is_redirect:
                    redirects += 1
                    location = response.headers["location"]
                    assert location.startswith("/") and not location.startswith(("//", "/\\"))
                    assert "evil" not in location, (path, location)
                    if path.startswith("/embed/r/"):
                        break  # a nonce redeems once
    assert redirects >= 1  # the cookie-mode redemption itself redirects (same site)


# ---------------------------------------------------------------- path traversal

TRAVERSALS = (
    "/static/%2e%2e/%2e%2e/settings.py",
    "/static/..%2f..%2fsettings.py",
    "/static/%2e%2e%2f%2e%2e%2fapp.py",
    "/static/....//....//app.py",
    "/static/%252e%252e/app.py",
    "/admin/static/%2e%2e/%2e%2e/settings.py",
    "/sdk/inset-embed.js/%2e%2e/%2e%2e/app.py",
    "/sdk/%2e%2e/settings.py",
    "/static/..\\..\\app.py",
    "/static/%00/../app.py",
)


@pytest.mark.parametrize("path", TRAVERSALS)
async def test_static_and_sdk_routes_never_serve_files_outside_their_folder(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code in (400, 404, 405), (path, response.status_code)
    assert "INSET_" not in response.text and "def create_app" not in response.text


def tar_gz(members: dict[str, bytes], symlinks: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        for name, target in (symlinks or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            archive.addfile(info)
    return buffer.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content_type", "archive"),
    [
        ("application/gzip", tar_gz({"apps/x/app.yaml": b"name: x\n", "../../evil.yaml": b"x"})),
        ("application/gzip", tar_gz({"apps/x/../../../evil.yaml": b"x"})),
        ("application/gzip", tar_gz({"/etc/evil.yaml": b"x"})),
        ("application/gzip", tar_gz({"apps/x/app.yaml": b"x"}, {"apps/x/q.sql": "/etc/passwd"})),
        ("application/zip", zip_bytes({"apps/x/app.yaml": b"x", "../evil.yaml": b"x"})),
        ("application/zip", zip_bytes({"..\\..\\evil.yaml": b"x"})),
    ],
    ids=[
        "tar-dotdot",
        "tar-nested-dotdot",
        "tar-absolute",
        "tar-symlink",
        "zip-dotdot",
        "zip-backslash",
    ],
)
async def test_deploy_archives_with_escaping_paths_are_refused(
    client: httpx.AsyncClient, world: World, content_type: str, archive: bytes, tmp_path: Path
) -> None:
    response = await client.post(
        "/api/v1/deployments",
        content=archive,
        headers={**bearer(world.tokens["admin"]), "Content-Type": content_type},
    )
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["error"]["code"].startswith("archive_"), response.text
    assert not (tmp_path.parent / "evil.yaml").exists()


@pytest.mark.parametrize(
    "url",
    ["file:/etc/passwd?mode=rw", "sqlite:///../../etc/x.db", ":memory:"],
)
async def test_sqlite_resource_paths_must_be_plain_files(database: Database, url: str) -> None:
    async with database.session() as session:
        with pytest.raises(InsetError) as refused:
            await add_resource(session, "warehouse", "sqlite", url)
    assert refused.value.status_code == 422 and refused.value.field == "url"


async def test_relative_sqlite_resource_paths_are_stored_resolved(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    async with database.session() as session:
        await add_resource(session, "warehouse", "sqlite", "a/../../shop.db")
        config = await get_resource_config(session, "warehouse", "production")
    assert config.url == str((tmp_path.parent / "shop.db").resolve())


# ---------------------------------------------------------------- oversized bodies


async def test_oversized_bodies_are_refused_with_413_json(
    client: httpx.AsyncClient, world: World
) -> None:
    big = b'{"name": "' + b"x" * 1_100_000 + b'"}'
    admin = {**bearer(world.tokens["admin"]), "Content-Type": "application/json"}
    declared = await client.post("/api/v1/groups", content=big, headers=admin)

    async def chunks() -> object:  # no Content-Length: counted while it arrives
        for start in range(0, len(big), 64 * 1024):
            yield big[start : start + 64 * 1024]

    chunked = await client.post("/api/v1/groups", content=chunks(), headers=admin)
    runtime = await client.post(
        "/api/runtime/queries/x/run",
        content=big,
        headers={**bearer((await start_session(client, world))["sessionToken"])},
    )
    for response in (declared, chunked, runtime):
        assert response.status_code == 413, response.text
        assert response.json()["error"]["code"] == "payload_too_large"
    assert (await client.get("/healthz")).status_code == 200


# ---------------------------------------------------------------- YAML bombs via the API


@pytest.mark.parametrize("app_yaml", [BILLION_LAUGHS, DEEP], ids=["billion-laughs", "deep-nesting"])
async def test_yaml_bombs_in_a_deployed_archive_are_a_clear_4xx(
    client: httpx.AsyncClient, world: World, app_yaml: str
) -> None:
    archive = tar_gz({"apps/bomb/app.yaml": app_yaml.encode()})
    assert len(gzip.decompress(archive)) < 100_000
    response = await client.post(
        "/api/v1/deployments",
        content=archive,
        headers={**bearer(world.tokens["admin"]), "Content-Type": "application/gzip"},
    )
    assert 400 <= response.status_code < 500, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_app" and "app.yaml" in error["message"]
    assert "alias" in error["message"] or "nest" in error["message"], error
