"""examples/hosts: the FastAPI host backend mints through the real Inset app; the Flask and
Django ones (those frameworks are not installed here) at least compile."""

from __future__ import annotations

import importlib.util
import py_compile
from pathlib import Path

import httpx
import pytest

from inset.client import AsyncInsetClient
from inset.db import Database
from tests.factories import HOST_ORIGIN, World, make_world

HOSTS = Path(__file__).resolve().parents[2] / "examples" / "hosts"


@pytest.fixture
async def world(database: Database) -> World:
    return await make_world(database)


async def test_fastapi_host_mints_for_its_user(
    client: httpx.AsyncClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOST_ORIGIN", HOST_ORIGIN)
    spec = importlib.util.spec_from_file_location("fastapi_host", HOSTS / "fastapi_host.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.inset = AsyncInsetClient("http://testserver", world.tokens["embed"], http_client=client)
    transport = httpx.ASGITransport(app=module.app)
    # The example mints for "supplier-portal"; the test world's app has that slug.
    async with httpx.AsyncClient(transport=transport, base_url="http://host") as host:
        page = await host.get("/")
        assert "/sdk/inset-embed.js" in page.text and "Inset.embed(" in page.text
        minted = await host.post("/inset/embed-url", json={"page": None})
        assert minted.status_code == 200, minted.text
        url = minted.json()["embedUrl"]
    assert url.startswith("http://testserver/embed/r/")
    assert (await client.get(url)).status_code == 200


@pytest.mark.parametrize("name", ["flask_host.py", "django_host.py"])
def test_other_examples_compile(name: str, tmp_path: Path) -> None:
    py_compile.compile(str(HOSTS / name), cfile=str(tmp_path / "out.pyc"), doraise=True)
