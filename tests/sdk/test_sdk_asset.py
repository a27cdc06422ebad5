"""The SDK file the server serves is the npm package's file, and the package is publishable."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from inset.sdk import SDK_FILE

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "sdk" / "js"


def test_served_copy_is_identical_to_the_package_source() -> None:
    source = PACKAGE / "inset-embed.js"
    assert SDK_FILE.read_bytes() == source.read_bytes(), (
        f"the server serves {SDK_FILE}, not the npm package's inset-embed.js"
    )


def test_package_json_is_ready_to_publish() -> None:
    package = json.loads((PACKAGE / "package.json").read_text())
    assert package["name"] == "@inset/embed"
    assert package["version"] == "0.1.0"
    assert package["types"] == "./index.d.ts"
    for name in package["files"]:
        assert (PACKAGE / name).is_file(), name
    exports = package["exports"]
    for target in [*exports["."].values(), *exports["./react"].values()]:
        assert (PACKAGE / target).is_file(), target
    assert "react" in package["peerDependencies"]
    assert "dependencies" not in package
    assert f'"{package["version"]}"' in (PACKAGE / "inset-embed.js").read_text()


async def test_get_sdk_script(client: httpx.AsyncClient) -> None:
    response = await client.get("/sdk/inset-embed.js")
    assert response.status_code == 200
    assert response.content == SDK_FILE.read_bytes()
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["cross-origin-resource-policy"] == "cross-origin"
    again = await client.get(
        "/sdk/inset-embed.js", headers={"If-None-Match": response.headers["etag"]}
    )
    assert again.status_code == 304
