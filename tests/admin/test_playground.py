"""Embed playground API: the embed request as curl / Python / Node code (token only as
$INSET_TOKEN), checked like the embed API checks it, with a live preview."""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from inset.app import create_app
from inset.db import Database
from inset.settings import Settings
from tests.admin.conftest import BOOT, HOST_ORIGIN, AdminServer, open_nav
from tests.factories import World, bearer, embed_body, make_world


async def _playground(client: httpx.AsyncClient, world: World, **overrides: Any) -> httpx.Response:
    return await client.post(
        "/api/v1/embed-playground",
        headers=bearer(world.tokens["admin"]),
        json=embed_body(world, **overrides),
    )


async def test_snippets_and_preview(client: httpx.AsyncClient, database: Database) -> None:
    world = await make_world(database)
    response = await _playground(
        client, world, parentOrigin=HOST_ORIGIN, sessionMode="cookie", sessionDurationMinutes=30
    )
    assert response.status_code == 200, response.text
    body = response.json()
    snippets = body["snippets"]
    for code in snippets.values():
        assert "INSET_TOKEN" in code
        assert world.tokens["admin"] not in code and "ins_" not in code
    assert '"Authorization: Bearer $INSET_TOKEN"' in snippets["curl"]
    assert "http://testserver/api/embed-url/external-user" in snippets["curl"]
    assert "InsetClient('http://testserver', os.environ[\"INSET_TOKEN\"])" in snippets["python"]
    assert "parent_origin='https://host.example'" in snippets["python"]
    assert "session_duration_minutes=30" in snippets["python"]
    assert "process.env.INSET_TOKEN" in snippets["node"]
    assert body["request"]["parentOrigin"] == HOST_ORIGIN
    assert body["request"]["metadata"] == {"supplierId": 1}
    # The Python snippet is valid Python, the JSON in curl is the request.
    compile(snippets["python"], "snippet.py", "exec")
    data = snippets["curl"].split("--data-binary '", 1)[1].rsplit("'", 1)[0]
    assert json.loads(data) == body["request"]
    # The preview is framed by the admin UI's own origin, not the host's.
    assert body["preview"]["parentOrigin"] == "http://testserver"
    page = await client.get(body["preview"]["embedUrl"].removeprefix("http://testserver"))
    assert page.status_code in (200, 303)


async def test_bad_requests_name_the_field(client: httpx.AsyncClient, database: Database) -> None:
    world = await make_world(database)
    cases: dict[str, dict[str, Any]] = {
        "parentOrigin": {"parentOrigin": "https://evil.example"},
        "landingPageUuid": {"landingPageUuid": "no-such-app"},
        "metadata": {"metadata": "text"},
        "sessionDurationMinutes": {"sessionDurationMinutes": 0},
        "sessionMode": {"sessionMode": "magic"},
    }
    for field, overrides in cases.items():
        response = await _playground(client, world, **overrides)
        assert response.status_code == 422, (field, response.text)
        assert response.json()["error"]["field"] == field


async def test_authz(client: httpx.AsyncClient, database: Database) -> None:
    world = await make_world(database)
    body = embed_body(world)
    assert (await client.post("/api/v1/embed-playground", json=body)).status_code == 401
    embed_only = await client.post(
        "/api/v1/embed-playground", json=body, headers=bearer(world.tokens["embed"])
    )
    assert embed_only.status_code == 403


async def test_external_instance_refuses_previews(database: Database) -> None:
    world = await make_world(database)
    app = create_app(settings=Settings(role="external"), database=database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        for path in ("/api/v1/embed-playground", f"/api/v1/apps/{world.app_slug}/preview"):
            refused = await http.post(
                path, json=embed_body(world), headers=bearer(world.tokens["admin"])
            )
            assert refused.status_code == 403, refused.text
            assert refused.json()["error"]["code"] == "internal_only"


# --- Browser: the Embed playground ----------------------------------------------------------


def test_playground_code_runs_and_preview_shows(
    admin_page: Page, admin_server: AdminServer
) -> None:
    page = admin_page
    open_nav(page, "Embed playground")
    page.get_by_label("App").select_option("admin-test")
    expect(page.get_by_label("Parent origin (the host page)")).to_have_value(HOST_ORIGIN)
    page.get_by_label("External identifier").fill("playground-user")
    page.get_by_label("Groups").select_option(label="suppliers")
    page.get_by_label("Metadata (JSON)").fill('{"supplierId": 3}')
    page.get_by_label("Email").fill("pg@example.com")
    page.get_by_label("Session duration (minutes)").fill("30")
    page.get_by_role("button", name="Generate code and preview").click()
    expect(
        page.frame_locator("iframe.preview-frame").get_by_role("heading", name="Hello")
    ).to_be_visible()
    curl = page.locator("pre[data-language=curl]").inner_text()
    for language in ("curl", "python", "node"):
        code = page.locator(f"pre[data-language={language}]").inner_text()
        assert "INSET_TOKEN" in code and admin_server.embed_token not in code
    page.get_by_role("button", name="Copy curl to the clipboard").click()
    expect(page.get_by_text("Copied to the clipboard.")).to_be_visible()
    # The generated curl, run with a real embed token, mints a URL that opens the same app.
    env = {"PATH": os.environ["PATH"], "INSET_TOKEN": admin_server.embed_token}
    result = subprocess.run(
        ["bash", "-c", curl], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    embed_url = json.loads(result.stdout)["embedUrl"]
    redeemed = httpx.get(embed_url, timeout=10)
    assert redeemed.status_code == 200
    assert f"frame-ancestors {HOST_ORIGIN}" in redeemed.headers["content-security-policy"]
    boot = json.loads(BOOT.search(redeemed.text).group(1))  # type: ignore[union-attr]
    app = httpx.get(
        f"{admin_server.url}/api/runtime/app",
        headers={"Authorization": f"Bearer {boot['sessionToken']}"},
        timeout=10,
    ).json()
    assert app["app"]["uuid"] == admin_server.app_uuid
    assert app["user"] == {
        "externalIdentifier": "playground-user",
        "email": "pg@example.com",
        "firstName": None,
        "lastName": None,
        "groups": ["suppliers"],
    }


def test_playground_shows_field_errors(admin_page: Page) -> None:
    page = admin_page
    open_nav(page, "Embed playground")
    page.get_by_label("App").select_option("admin-test")
    page.get_by_label("External identifier").fill("someone")
    page.get_by_label("Groups").select_option(label="suppliers")
    page.get_by_label("Parent origin (the host page)").fill("https://evil.example")
    page.get_by_role("button", name="Generate code and preview").click()
    field = page.locator(".field-invalid")
    expect(field).to_contain_text("Parent origin")
    expect(field).to_contain_text("not in the app's embed.parentOrigins")
