"""``inset deploy GIT_URL``, ``releases list|show|diff|promote`` as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from inset.audit.models import AuditEvent
from inset.db import Database

from .conftest import SLUG, change_title, commit, git, seed


def inset(*args: str, database: Database) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "INSET_DATABASE_URL": database.url, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "inset", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_deploy_show_diff_promote(database: Database, repo: Path) -> None:
    await seed(database)
    url = f"file://{repo}"
    first_sha = git(repo, "rev-parse", "HEAD")
    done = inset("deploy", url, "--ref", "main", database=database)
    assert (done.returncode, done.stdout) == (0, f"{SLUG}: created release 1.0.0\n"), done.stderr
    change_title(repo, "Bills")
    second_sha = commit(repo, "Rename invoices")
    done = inset("deploy", url, "--no-promote", database=database)
    assert done.stdout == f"{SLUG}: created release 1.0.1 (not promoted; latest is 1.0.0)\n"

    listed = json.loads(inset("releases", "list", SLUG, "--json", database=database).stdout)
    assert [(r["version"], r["is_latest"], r["git_commit"]) for r in listed] == [
        ("1.0.1", False, second_sha),
        ("1.0.0", True, first_sha),
    ]

    shown = inset("releases", "show", SLUG, "1.0.1", database=database)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[1] == "version:    1.0.1"
    assert lines[3] == f"commit:     {second_sha}"
    assert lines[4] == "message:    Rename invoices"
    assert lines[6] == "pages:      inventory, invoices"
    assert "  update_stock (write on warehouse)" in lines
    assert "    ORDER BY sku" in lines  # SQL is shown to admins
    assert "(latest)" in inset("releases", "show", SLUG, database=database).stdout

    diff = inset("releases", "diff", SLUG, "1.0.0", "1.0.1", database=database)
    assert diff.returncode == 1
    assert diff.stdout.splitlines()[:2] == [f"--- {SLUG}@1.0.0", f"+++ {SLUG}@1.0.1"]
    assert '-  "title": "Invoices"' in diff.stdout and '+  "title": "Bills"' in diff.stdout
    same = inset("releases", "diff", SLUG, "1.0.0", "1.0.0", database=database)
    assert (same.returncode, same.stdout, same.stderr) == (0, "", "no differences\n")

    promoted = inset("releases", "promote", SLUG, "1.0.1", database=database)
    assert promoted.stdout == f"{SLUG}: latest is now 1.0.1 (was 1.0.0)\n"
    back = inset("releases", "promote", SLUG, "1.0.0", database=database)
    assert back.stdout == f"{SLUG}: latest is now 1.0.0 (was 1.0.1)\n"
    again = inset("releases", "promote", SLUG, "1.0.0", database=database)
    assert again.stdout == f"{SLUG}: 1.0.0 already is the latest\n"
    # With no versions, diff compares the release before the latest with the latest.
    assert "only one release" in inset("releases", "diff", SLUG, database=database).stderr

    bad = inset("releases", "promote", SLUG, "9.9.9", database=database)
    assert bad.returncode == 2 and "has no release '9.9.9'" in bad.stderr
    refused = inset("deploy", "ext::sh -c id", database=database)
    assert refused.returncode == 2 and "transport helpers" in " ".join(refused.stderr.split())
    async with database.session() as session:
        events = list(
            await session.scalars(
                select(AuditEvent).where(AuditEvent.type == "admin.release_promoted")
            )
        )
    assert [e.data["version"] for e in events] == ["1.0.1", "1.0.0"]
