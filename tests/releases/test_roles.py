"""INSET_ROLE=external: embeds and deploys work; internal-only features are refused by one
reusable guard (routes and CLI)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter, FastAPI

from inset.app import create_app
from inset.db import Database
from inset.errors import InsetError
from inset.roles import InternalOnly, InternalOnlyFeature, require_internal
from inset.settings import Settings
from tests.factories import bearer
from tests.support.live import cli_process

from .conftest import SLUG, seed


def app_with_preview(role: str, database: Database) -> FastAPI:
    """The real app plus a stand-in internal-only route (as previews will be)."""
    settings = Settings(role=role)  # type: ignore[arg-type]
    app = create_app(settings=settings, database=database)
    router = APIRouter()

    @router.get("/api/v1/preview-test", dependencies=[InternalOnly])
    async def preview() -> dict[str, bool]:
        return {"ok": True}

    app.include_router(router)
    return app


@pytest.fixture
async def external(database: Database) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app_with_preview("external", database))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


def test_require_internal() -> None:
    require_internal("previews", Settings(role="internal"))
    with pytest.raises(InternalOnlyFeature) as raised:
        require_internal("previews", Settings(role="external"))
    assert isinstance(raised.value, InsetError)
    assert (raised.value.status_code, raised.value.code) == (403, "internal_only")
    assert raised.value.message.startswith("previews is not available on an external instance")


async def test_external_instance_refuses_internal_routes_but_deploys(
    external: httpx.AsyncClient, database: Database, repo: Path
) -> None:
    tokens = await seed(database)
    refused = await external.get("/api/v1/preview-test")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "internal_only"
    deployed = await external.post(
        "/api/v1/deployments", json={"gitUrl": f"file://{repo}"}, headers=bearer(tokens["deploy"])
    )
    assert deployed.status_code == 200, deployed.text
    listed = await external.get(f"/api/v1/apps/{SLUG}/releases", headers=bearer(tokens["deploy"]))
    assert [r["version"] for r in listed.json()] == ["1.0.0"]
    minted = await external.post(
        "/api/embed-url/external-user",
        json={"landingPageUuid": SLUG, "groupIds": ["suppliers"], "externalIdentifier": "x"},
        headers=bearer(tokens["embed"]),
    )
    assert minted.status_code == 200, minted.text


async def test_internal_instance_is_unchanged(database: Database) -> None:
    transport = httpx.ASGITransport(app=app_with_preview("internal", database))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        assert (await http.get("/api/v1/preview-test")).json() == {"ok": True}


def _inset(
    *args: str, database: Database, role: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "INSET_DATABASE_URL": database.url, "INSET_ROLE": role}
    return cli_process(env, *args, stdin=stdin)


async def test_cli_refuses_admin_users_on_external_but_deploys(
    database: Database, repo: Path
) -> None:
    await seed(database)
    refused = _inset(
        "admin", "create-user", "a@example.com", "--password-stdin",
        database=database, role="external", stdin="a-long-password-123\n",
    )  # fmt: skip
    assert refused.returncode == 2, refused.stderr
    assert "admin users (inset admin …) is not available on an external instance" in " ".join(
        refused.stderr.split()
    )
    deployed = _inset(
        "deploy", f"file://{repo}", "--ref", "main", database=database, role="external"
    )
    assert deployed.returncode == 0, deployed.stderr
    assert deployed.stdout == f"{SLUG}: created release 1.0.0\n"
    allowed = _inset(
        "admin", "create-user", "a@example.com", "--password-stdin",
        database=database, role="internal", stdin="a-long-password-123\n",
    )  # fmt: skip
    assert allowed.returncode == 0, allowed.stderr
