"""POST /api/v1/deployments (Git and archives), releases and promote over HTTP: every
refusal is a clear 4xx and stores nothing."""

from __future__ import annotations

import asyncio
import gzip
import io
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from inset.apps.models import App, Release
from inset.apps.sources import MAX_ARCHIVE_FILE_BYTES, MAX_ARCHIVE_MEMBERS
from inset.audit.models import AuditEvent
from inset.db import Database
from tests.factories import bearer

from .conftest import (
    SLUG,
    VALID_FILES,
    app_members,
    change_title,
    commit,
    count,
    file_member,
    git,
    seed,
    tar_gz,
    zip_bytes,
)

GZIP = {"Content-Type": "application/gzip"}


def error_of(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    return error


async def post_archive(
    client: httpx.AsyncClient, token: str, data: bytes, **params: str
) -> httpx.Response:
    return await client.post(
        "/api/v1/deployments",
        content=data,
        params=params,
        headers={**bearer(token), **GZIP},
    )


async def test_deploy_from_git_over_the_api(
    client: httpx.AsyncClient, database: Database, repo: Path
) -> None:
    tokens = await seed(database)
    sha = git(repo, "rev-parse", "HEAD")
    body = {"gitUrl": f"file://{repo}", "ref": "main"}
    response = await client.post("/api/v1/deployments", json=body, headers=bearer(tokens["deploy"]))
    assert response.status_code == 200, response.text
    out = response.json()
    assert (out["git_commit"], out["git_message"], out["source"]) == (
        sha,
        "Add supplier portal",
        f"file://{repo}",
    )
    assert [(a["slug"], a["status"], a["version"]) for a in out["apps"]] == [
        (SLUG, "created", "1.0.0")
    ]
    again = await client.post("/api/v1/deployments", json=body, headers=bearer(tokens["admin"]))
    assert [a["status"] for a in again.json()["apps"]] == ["unchanged"]
    async with database.session() as session:
        event = await session.scalar(
            select(AuditEvent).where(AuditEvent.type == "admin.app_deployed")
        )
        assert event is not None and event.actor_type == "token"


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"gitUrl": "ext::sh -c id"}, 422, "git_transport_refused", "gitUrl"),
        ({"gitUrl": "http://example.com/r.git"}, 422, "git_transport_refused", "gitUrl"),
        ({"gitUrl": "file:///nope", "ref": "--x"}, 422, "bad_git_ref", "ref"),
        ({"gitUrl": 5}, 422, "validation_error", "gitUrl"),
        ({"ref": "main"}, 422, "validation_error", "gitUrl"),
        ({"gitUrl": "file:///x", "extra": 1}, 422, "validation_error", "extra"),
        ([], 422, "validation_error", None),
    ],
)
async def test_bad_json_bodies(
    client: httpx.AsyncClient, database: Database, body: Any, status: int, code: str, field: str
) -> None:
    tokens = await seed(database)
    response = await client.post("/api/v1/deployments", json=body, headers=bearer(tokens["deploy"]))
    error = error_of(response, status)
    assert error["code"] == code and error.get("field") == field
    assert await count(database, App) == 0


async def test_tokens_and_media_types(client: httpx.AsyncClient, database: Database) -> None:
    tokens = await seed(database)
    body = {"gitUrl": "file:///nope"}
    assert error_of(await client.post("/api/v1/deployments", json=body), 401)["code"] == (
        "missing_token"
    )
    denied = await client.post("/api/v1/deployments", json=body, headers=bearer(tokens["embed"]))
    assert error_of(denied, 403)["code"] == "insufficient_scope"
    bad = await client.post("/api/v1/deployments", json=body, headers=bearer("ins_nope"))
    assert error_of(bad, 401)["code"] == "invalid_token"
    text = await client.post(
        "/api/v1/deployments",
        content=b"hello",
        headers={**bearer(tokens["deploy"]), "Content-Type": "text/plain"},
    )
    assert error_of(text, 415)["code"] == "unsupported_media_type"
    garbage = await post_archive(client, tokens["deploy"], b"not an archive")
    assert error_of(garbage, 422)["code"] == "bad_archive"
    truncated = await post_archive(client, tokens["deploy"], tar_gz(app_members())[:200])
    assert error_of(truncated, 422)["code"] == "bad_archive"


async def test_archives_deploy(client: httpx.AsyncClient, database: Database) -> None:
    tokens = await seed(database)
    # A GitHub-style archive: everything under one top-level folder.
    response = await post_archive(
        client, tokens["deploy"], tar_gz(app_members(f"repo-main/apps/{SLUG}/"))
    )
    assert response.status_code == 200, response.text
    assert [(a["slug"], a["version"]) for a in response.json()["apps"]] == [(SLUG, "1.0.0")]
    changed = {f"apps/{SLUG}/{k}": v for k, v in VALID_FILES.items()}
    changed[f"apps/{SLUG}/pages/invoices.yaml"] = changed[
        f"apps/{SLUG}/pages/invoices.yaml"
    ].replace("title: Invoices", "title: Bills")
    response = await client.post(
        "/api/v1/deployments",
        content=zip_bytes(changed),
        headers={**bearer(tokens["deploy"]), "Content-Type": "application/zip"},
    )
    assert response.status_code == 200, response.text
    assert [a["version"] for a in response.json()["apps"]] == ["1.0.1"]
    assert response.json()["git_commit"] is None


def _symlink() -> tarfile.TarInfo:
    info = tarfile.TarInfo(f"apps/{SLUG}/queries/inventory.sql")
    info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
    return info


def _hardlink() -> tarfile.TarInfo:
    info = tarfile.TarInfo(f"apps/{SLUG}/queries/x.sql")
    info.type, info.linkname = tarfile.LNKTYPE, "/etc/passwd"
    return info


def _device() -> tarfile.TarInfo:
    info = tarfile.TarInfo(f"apps/{SLUG}/dev")
    info.type, info.devmajor, info.devminor = tarfile.CHRTYPE, 1, 3
    return info


def _fifo() -> tarfile.TarInfo:
    info = tarfile.TarInfo(f"apps/{SLUG}/fifo")
    info.type = tarfile.FIFOTYPE
    return info


YAML_BOMB = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    "title: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
)


@pytest.mark.parametrize(
    ("members", "code", "needle"),
    [
        ([file_member("../evil.txt", "x")], "archive_unsafe_path", "'../evil.txt'"),
        ([file_member(f"apps/{SLUG}/../../evil", "x")], "archive_unsafe_path", "'..'"),
        ([file_member("/etc/cron.d/evil", "x")], "archive_unsafe_path", "relative"),
        ([file_member("apps\\evil", "x")], "archive_unsafe_path", "forward slashes"),
        ([(_symlink(), None)], "archive_link_refused", "is a link"),
        ([(_hardlink(), None)], "archive_link_refused", "is a link"),
        ([(_device(), None)], "archive_special_file", "not a regular file"),
        ([(_fifo(), None)], "archive_special_file", "not a regular file"),
        (
            [file_member(f"apps/{SLUG}/big.bin", b"\0" * (MAX_ARCHIVE_FILE_BYTES + 1))],
            "archive_file_too_large",
            "larger than",
        ),
        (
            [file_member(f"f{i}", "") for i in range(MAX_ARCHIVE_MEMBERS + 1)],
            "archive_too_many_files",
            "more than",
        ),
        (
            [file_member(f"apps/{SLUG}/app.yaml", "x"), file_member(f"apps/{SLUG}/app.yaml", "y")],
            "archive_unsafe_path",
            "twice",
        ),
    ],
)
async def test_unsafe_tar_archives_are_refused(
    client: httpx.AsyncClient,
    database: Database,
    members: list[tuple[tarfile.TarInfo, bytes | None]],
    code: str,
    needle: str,
) -> None:
    tokens = await seed(database)
    data = tar_gz([*app_members(), *members])
    response = await post_archive(client, tokens["deploy"], data)
    error = error_of(response, 422)
    assert (error["code"], error["field"]) == (code, "archive")
    assert needle in error["message"]
    assert await count(database, App) == 0 and await count(database, Release) == 0


async def test_zip_with_traversal_symlink_and_bomb(
    client: httpx.AsyncClient, database: Database
) -> None:
    tokens = await seed(database)
    files = {f"apps/{SLUG}/{k}": v for k, v in VALID_FILES.items()}
    headers = {**bearer(tokens["deploy"]), "Content-Type": "application/zip"}

    traversal = zip_bytes({**files, "../../evil": "x"})
    response = await client.post("/api/v1/deployments", content=traversal, headers=headers)
    assert error_of(response, 422)["code"] == "archive_unsafe_path"

    link = zipfile.ZipInfo(f"apps/{SLUG}/queries/passwd.sql")
    link.external_attr = 0o120777 << 16
    buffer = io.BytesIO(zip_bytes(files))
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr(link, "/etc/passwd")
    response = await client.post("/api/v1/deployments", content=buffer.getvalue(), headers=headers)
    assert error_of(response, 422)["code"] == "archive_link_refused"

    # 200 MB of zeros compress to ~200 KB: refused after reading the limit, not 200 MB.
    bomb = zip_bytes({**files, f"apps/{SLUG}/zeros.txt": b"\0" * 200_000_000})
    assert len(bomb) < 1_000_000
    response = await client.post("/api/v1/deployments", content=bomb, headers=headers)
    assert error_of(response, 422)["code"] == "archive_file_too_large"
    assert await count(database, App) == 0


async def test_gzip_bomb_is_refused(client: httpx.AsyncClient, database: Database) -> None:
    tokens = await seed(database)
    bomb = gzip.compress(b"\0" * 120_000_000, compresslevel=9)
    assert len(bomb) < 1_000_000
    error = error_of(await post_archive(client, tokens["deploy"], bomb), 422)
    assert error["code"] == "archive_too_large"


async def test_yaml_bomb_in_an_archive_is_an_app_error(
    client: httpx.AsyncClient, database: Database
) -> None:
    tokens = await seed(database)
    members = [m for m in app_members() if not m[0].name.endswith("invoices.yaml")] + [
        file_member(f"apps/{SLUG}/pages/invoices.yaml", YAML_BOMB)
    ]
    error = error_of(await post_archive(client, tokens["deploy"], tar_gz(members)), 422)
    assert error["code"] == "invalid_app"
    assert any("alias" in d["message"] for d in error["details"])
    assert error["details"][0]["file"].startswith(f"archive:apps/{SLUG}/") or error["details"][0][
        "file"
    ].startswith("archive")
    assert await count(database, App) == 0


async def test_oversized_upload_is_413(client: httpx.AsyncClient, database: Database) -> None:
    tokens = await seed(database)

    async def chunks() -> Any:  # no Content-Length: the route still counts
        for _ in range(3):
            yield b"\0" * 600_000

    response = await client.post(
        "/api/v1/deployments", content=chunks(), headers={**bearer(tokens["deploy"]), **GZIP}
    )
    assert error_of(response, 413)["code"] == "payload_too_large"


async def test_releases_and_promote_over_the_api(
    client: httpx.AsyncClient, database: Database, repo: Path
) -> None:
    tokens = await seed(database)
    headers = bearer(tokens["deploy"])
    body = {"gitUrl": f"file://{repo}"}
    await client.post("/api/v1/deployments", json=body, headers=headers)
    change_title(repo, "Bills")
    commit(repo, "Bills")
    await client.post("/api/v1/deployments", json=body, headers=headers)
    listed = await client.get(f"/api/v1/apps/{SLUG}/releases", headers=headers)
    assert [(r["version"], r["is_latest"]) for r in listed.json()] == [
        ("1.0.1", True),
        ("1.0.0", False),
    ]
    promoted = await client.post(f"/api/v1/apps/{SLUG}/releases/1.0.0/promote", headers=headers)
    assert promoted.json() == {
        "app": SLUG,
        "version": "1.0.0",
        "previous_version": "1.0.1",
        "changed": True,
    }
    again = await client.post(f"/api/v1/apps/{SLUG}/releases/1.0.0/promote", headers=headers)
    assert again.json()["changed"] is False
    for path, code, field in [
        (f"/api/v1/apps/{SLUG}/releases/9.9.9/promote", "unknown_release", "version"),
        (f"/api/v1/apps/{SLUG}/releases/latest!/promote", "bad_version", "version"),
        ("/api/v1/apps/nope/releases/1.0.0/promote", "unknown_app", "app"),
    ]:
        error = error_of(await client.post(path, headers=headers), 422)
        assert (error["code"], error["field"]) == (code, field)
    denied = await client.get(f"/api/v1/apps/{SLUG}/releases", headers=bearer(tokens["embed"]))
    assert error_of(denied, 403)["code"] == "insufficient_scope"
    async with database.session() as session:
        events = list(
            await session.scalars(
                select(AuditEvent).where(AuditEvent.type == "admin.release_promoted")
            )
        )
        assert [(e.data["version"], e.data["previous_version"]) for e in events] == [
            ("1.0.0", "1.0.1")
        ]


@pytest.mark.parametrize("database", ["postgres", "sqlite"], indirect=True)
async def test_two_deploys_at_once(
    client: httpx.AsyncClient, database: Database, repo: Path
) -> None:
    tokens = await seed(database)
    headers = bearer(tokens["deploy"])
    body = {"gitUrl": f"file://{repo}"}
    responses = await asyncio.gather(
        *[client.post("/api/v1/deployments", json=body, headers=headers) for _ in range(4)]
    )
    assert [r.status_code for r in responses] == [200] * 4, [r.text for r in responses]
    statuses = sorted(r.json()["apps"][0]["status"] for r in responses)
    assert statuses == ["created", "unchanged", "unchanged", "unchanged"]
    # Two different contents at once: two new versions, never the same one twice.
    change_title(repo, "Bills")
    commit(repo, "Bills")
    members = [m for m in app_members() if not m[0].name.endswith("invoices.yaml")]
    page = VALID_FILES["pages/invoices.yaml"].replace("title: Invoices", "title: Other")
    members.append(file_member(f"apps/{SLUG}/pages/invoices.yaml", page))
    both = await asyncio.gather(
        client.post("/api/v1/deployments", content=tar_gz(members), headers={**headers, **GZIP}),
        client.post("/api/v1/deployments", json=body, headers=headers),
    )
    assert [r.status_code for r in both] == [200, 200], [r.text for r in both]
    assert sorted(r.json()["apps"][0]["version"] for r in both) == ["1.0.1", "1.0.2"]
    async with database.session() as session:
        versions = list(await session.scalars(select(Release.version).order_by(Release.id)))
    assert versions == ["1.0.0", "1.0.1", "1.0.2"]
