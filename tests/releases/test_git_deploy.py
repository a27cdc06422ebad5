"""Deploy from a real Git repository: commits recorded, refs, idempotence, refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from inset.apps import service, sources
from inset.apps.models import App, Release
from inset.audit.models import AuditEvent
from inset.db import Database
from inset.errors import InsetError, ValidationFailed

from .conftest import SLUG, change_title, commit, count, git, seed


async def deploy_git(database: Database, url: str, ref: str | None = None) -> service.DeployReport:
    async with database.session() as session:
        return (await service.deploy_git(session, url, ref))[1]


@pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)
async def test_two_commits_make_two_releases_with_their_commits(
    database: Database, repo: Path
) -> None:
    await seed(database)
    first_sha = git(repo, "rev-parse", "HEAD")
    first = await deploy_git(database, f"file://{repo}", "main")
    assert [(a.slug, a.status, a.version) for a in first.apps] == [(SLUG, "created", "1.0.0")]

    change_title(repo, "Bills")
    second_sha = commit(repo, "Rename invoices to bills\n\nAsked by finance.")
    second = await deploy_git(database, str(repo), "main")  # a local path works too
    assert [(a.status, a.version) for a in second.apps] == [("created", "1.0.1")]

    async with database.session() as session:
        releases = await service.list_releases(session, SLUG)
        assert [(r.version, r.git_commit, r.git_message) for r in releases] == [
            ("1.0.1", second_sha, "Rename invoices to bills\n\nAsked by finance."),
            ("1.0.0", first_sha, "Add supplier portal"),
        ]
        assert releases[0].bundle["pages"][1]["title"] == "Bills"
        events = list(await session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
        assert [(e.type, e.data["git_commit"]) for e in events] == [
            ("admin.app_deployed", first_sha),
            ("admin.app_deployed", second_sha),
        ]


async def test_redeploying_the_same_commit_creates_nothing(database: Database, repo: Path) -> None:
    await seed(database)
    url = f"file://{repo}"
    created = await deploy_git(database, url)
    again = await deploy_git(database, url, "main")
    assert [(a.status, a.release_id) for a in again.apps] == [
        ("unchanged", created.apps[0].release_id)
    ]
    # An empty commit changes no content: still nothing new.
    git(repo, "commit", "-q", "--allow-empty", "-m", "empty")
    assert [a.status for a in (await deploy_git(database, url)).apps] == ["unchanged"]
    assert await count(database, Release) == 1


async def test_tags_and_commits_as_ref(database: Database, repo: Path) -> None:
    await seed(database)
    first_sha = git(repo, "rev-parse", "HEAD")
    git(repo, "tag", "v1")
    change_title(repo, "Bills")
    commit(repo, "Bills")
    url = f"file://{repo}"
    assert [a.version for a in (await deploy_git(database, url, "main")).apps] == ["1.0.0"]
    # The older commit by tag is new content; the same commit by sha is then unchanged.
    assert [a.status for a in (await deploy_git(database, url, "v1")).apps] == ["created"]
    restored = await deploy_git(database, url, first_sha)
    assert [(a.status, a.version) for a in restored.apps] == [("unchanged", "1.0.1")]
    async with database.session() as session:
        [newest, _] = await service.list_releases(session, SLUG)
        assert newest.git_commit == first_sha and newest.bundle["pages"][1]["title"] == "Invoices"


async def test_one_invalid_app_in_the_repo_stores_nothing(database: Database, repo: Path) -> None:
    await seed(database)
    page = repo / "apps" / SLUG / "pages" / "inventory.yaml"
    page.write_text(page.read_text().replace("type: divider", "type: dividr"))
    bad = repo / "apps" / SLUG / "app.yaml"
    bad.write_text(bad.read_text().replace("level: edit", "level: admin"))
    sha = commit(repo, "Break it")
    with pytest.raises(ValidationFailed) as raised:
        await deploy_git(database, f"file://{repo}")
    details = raised.value.details
    assert raised.value.code == "invalid_app"
    assert sorted(d["message"].split(" ")[0] for d in details) == ["access", "unknown"]
    # Errors name the repository and commit, not a temporary folder.
    assert all(d["file"].startswith(f"file://{repo}@{sha[:12]}:apps/{SLUG}/") for d in details)
    assert await count(database, App) == 0 and await count(database, Release) == 0


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("ext::sh -c touch% /tmp/pwned", "git_transport_refused"),
        ("fd::17", "git_transport_refused"),
        ("http://example.com/repo.git", "git_transport_refused"),
        ("git://example.com/repo.git", "git_transport_refused"),
        ("--upload-pack=touch /tmp/pwned", "bad_git_url"),
        ("/no/such/folder", "bad_git_url"),
        ("", "bad_git_url"),
        ("https://example.com/\nrepo", "bad_git_url"),
    ],
)
async def test_unsafe_or_unknown_urls_are_refused(database: Database, url: str, code: str) -> None:
    await seed(database)
    with pytest.raises(ValidationFailed) as raised:
        await deploy_git(database, url)
    assert (raised.value.code, raised.value.field) == (code, "gitUrl")
    assert await count(database, App) == 0


@pytest.mark.parametrize("ref", ["--upload-pack=x", "a..b", "main;rm", "x" * 201])
async def test_bad_refs_are_refused(database: Database, repo: Path, ref: str) -> None:
    with pytest.raises(ValidationFailed) as raised:
        await deploy_git(database, f"file://{repo}", ref)
    assert (raised.value.code, raised.value.field) == ("bad_git_ref", "ref")


async def test_unknown_ref_and_missing_repo(database: Database, repo: Path, tmp_path: Path) -> None:
    await seed(database)
    with pytest.raises(ValidationFailed) as raised:
        await deploy_git(database, f"file://{repo}", "no-such-branch")
    assert raised.value.code == "git_fetch_failed" and raised.value.field == "ref"
    assert "no-such-branch" in raised.value.message
    with pytest.raises(ValidationFailed) as raised:
        await deploy_git(database, f"file://{tmp_path}/missing")
    assert raised.value.code == "git_fetch_failed" and raised.value.field == "gitUrl"
    assert await count(database, App) == 0


def test_hooks_never_run(repo: Path, tmp_path: Path) -> None:
    marker = tmp_path / "hook-ran"
    hook = repo / ".git" / "hooks" / "post-checkout"
    hook.write_text(f"#!/bin/sh\ntouch {marker}\n")
    hook.chmod(0o755)
    with sources.fetch_git(f"file://{repo}", "main") as checkout:
        assert (checkout.path / "apps" / SLUG / "app.yaml").is_file()
        temp = checkout.temp_dir
    assert not marker.exists()
    assert temp is not None and not temp.exists()  # cleaned up


def test_credentials_are_not_shown() -> None:
    assert (
        sources.redact_url("https://user:s3cret@git.example.com/a/b.git")
        == "https://***@git.example.com/a/b.git"
    )
    assert sources.redact_url("git@github.com:a/b.git") == "git@github.com:a/b.git"


def test_is_git_url() -> None:
    assert sources.is_git_url("https://x/y.git") and sources.is_git_url("git@host:a/b.git")
    assert sources.is_git_url("ext::sh") and not sources.is_git_url("apps")


async def test_path_inside_the_repository(database: Database, repo: Path) -> None:
    await seed(database)
    async with database.session() as session:
        _, report = await service.deploy_git(session, f"file://{repo}", path=f"apps/{SLUG}")
    assert [a.slug for a in report.apps] == [SLUG]
    for bad in ("../etc", "/etc", "nope"):
        with pytest.raises(InsetError) as raised:
            async with database.session() as session:
                await service.deploy_git(session, f"file://{repo}", path=bad)
        assert raised.value.field == "path"
