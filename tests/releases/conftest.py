"""Git repositories and archives built in the test, and a seeded metadata database."""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from inset.access import service as access
from inset.apps.models import App, Release
from inset.auth import service as auth
from inset.db import Database
from inset.resources.models import Resource
from tests.apps.conftest import APP_UUID, VALID_FILES, write_files

__all__ = ["APP_UUID", "VALID_FILES"]

SLUG = "supplier-portal"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Dev",
    "GIT_AUTHOR_EMAIL": "dev@example.com",
    "GIT_COMMITTER_NAME": "Dev",
    "GIT_COMMITTER_EMAIL": "dev@example.com",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
        env={**os.environ, **GIT_ENV},
    )
    return done.stdout.strip()


def commit(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def make_repo(root: Path) -> Path:
    """A Git repo with the supplier portal under apps/, one commit on branch main."""
    repo = root / "repo"
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    write_files(repo / "apps" / SLUG, VALID_FILES)
    commit(repo, "Add supplier portal")
    return repo


def change_title(repo: Path, title: str) -> None:
    page = repo / "apps" / SLUG / "pages" / "invoices.yaml"
    page.write_text(page.read_text().replace("title: Invoices", f"title: {title}", 1))


async def seed(database: Database) -> dict[str, str]:
    """Groups and resources the portal needs; tokens by scope."""
    tokens: dict[str, str] = {}
    async with database.session() as session:
        for name in ("suppliers", "supplier-admins"):
            await access.create_group(session, name)
        for name in ("warehouse", "billing"):
            for environment in ("production", "staging"):
                session.add(
                    Resource(
                        name=name,
                        environment=environment,
                        type="sqlite",
                        config_encrypted="not-read-by-deploy",
                    )
                )
        for name, scopes in {
            "deploy": ["apps:deploy"],
            "admin": ["admin"],
            "embed": ["embed"],
        }.items():
            tokens[name] = (await auth.create_token(session, name, scopes)).secret
    return tokens


async def count(database: Database, model: type[App] | type[Release]) -> int:
    async with database.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def tar_gz(members: list[tuple[tarfile.TarInfo, bytes | None]]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for info, data in members:
            if data is not None:
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
            else:
                archive.addfile(info)
    return buffer.getvalue()


def file_member(name: str, text: str | bytes) -> tuple[tarfile.TarInfo, bytes]:
    data = text.encode() if isinstance(text, str) else text
    return tarfile.TarInfo(name), data


def app_members(prefix: str = f"apps/{SLUG}/") -> list[tuple[tarfile.TarInfo, bytes | None]]:
    return [file_member(prefix + rel, text) for rel, text in VALID_FILES.items()]


def zip_bytes(files: dict[str, bytes | str], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path)
