"""``inset validate``, ``deploy``, ``app new`` and ``releases list`` as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from inset.access import service as access
from inset.apps.components import COMPONENTS
from inset.db import Database
from inset.resources.models import Resource
from tests.support.live import cli_process

from .conftest import APP_UUID, WriteApp, line_of


def inset(
    *args: str, database: Database | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if database is not None:
        env["INSET_DATABASE_URL"] = database.url
    return cli_process(env, *args, cwd=cwd)


async def seed(database: Database) -> None:
    async with database.session() as session:
        for name in ("suppliers", "supplier-admins"):
            await access.create_group(session, name)
        for name in ("warehouse", "billing", "example"):
            session.add(
                Resource(
                    name=name, environment="production", type="sqlite", config_encrypted="unused"
                )
            )


def test_validate_ok(write_app: WriteApp, tmp_path: Path) -> None:
    write_app("one")
    write_app("two", replace={"app.yaml": (APP_UUID, "11111111-2222-4333-8444-555555555555")})
    result = inset("validate", str(tmp_path / "apps"))
    assert (result.returncode, result.stdout, result.stderr) == (0, "2 apps OK\n", "")


def test_validate_errors_exit_2_with_file_line_message(write_app: WriteApp) -> None:
    directory = write_app(replace={
        "app.yaml": ("level: edit", "level: admin"),
        "pages/inventory.yaml": ("pageSize: 25", "pageSise: 25"),
    })  # fmt: skip
    result = inset("validate", str(directory))
    assert result.returncode == 2 and result.stdout == ""
    app_line = line_of((directory / "app.yaml").read_text(), "level: admin")
    page_line = line_of((directory / "pages/inventory.yaml").read_text(), "pageSise")
    assert result.stderr.splitlines() == [
        f"{directory}/app.yaml:{app_line}: access level 'admin' is not valid "
        "(hint: one of: use, edit, own)",
        f"{directory}/pages/inventory.yaml:{page_line}: unknown prop 'pageSise' for table "
        "(hint: did you mean 'pageSize'?)",
        "2 errors",
    ]


def test_validate_prints_warnings_but_passes(write_app: WriteApp) -> None:
    directory = write_app(files={"pages/draft.yaml": "title: Draft\n"})
    result = inset("validate", str(directory))
    assert result.returncode == 0 and result.stdout == "1 app OK\n"
    assert result.stderr == (
        f"{directory}/pages/draft.yaml:1: warning: page file is not listed in app.yaml pages, "
        "so it is not deployed (hint: add draft to pages: in app.yaml, or delete the file)\n"
    )


async def test_validate_with_database_checks_groups_and_resources(
    database: Database, write_app: WriteApp
) -> None:
    directory = write_app()
    assert inset("validate", str(directory)).returncode == 0
    result = inset("validate", "--database", str(directory), database=database)
    assert result.returncode == 2
    assert "unknown group 'suppliers'" in result.stderr
    assert "unknown resource 'warehouse'" in result.stderr
    await seed(database)
    result = inset("validate", "--database", str(directory), database=database)
    assert (result.returncode, result.stdout) == (0, "1 app OK\n"), result.stderr


async def test_deploy_and_redeploy(database: Database, write_app: WriteApp, tmp_path: Path) -> None:
    await seed(database)
    directory = write_app()
    repo = directory.parent
    git = ["git", "-c", "user.email=a@b.c", "-c", "user.name=A", "-C", str(repo)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "First apps"], check=True)
    head = subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True)

    result = inset("deploy", str(repo), database=database)
    assert (result.returncode, result.stdout) == (0, "supplier-portal: created release 1.0.0\n"), (
        result.stderr
    )
    again = inset("deploy", str(repo), database=database)
    assert again.stdout == "supplier-portal: unchanged (release 1.0.0)\n"

    listed = inset("releases", "list", "supplier-portal", "--json", database=database)
    assert listed.returncode == 0, listed.stderr
    [release] = json.loads(listed.stdout)
    assert release["version"] == "1.0.0" and release["is_latest"] is True
    assert release["git_commit"] == head.stdout.strip()
    assert release["git_message"] == "First apps"
    table = inset("releases", "list", APP_UUID, database=database)
    assert table.returncode == 0 and "1.0.0" in table.stdout

    unknown = inset("releases", "list", "nope", database=database)
    assert unknown.returncode == 2 and "unknown app 'nope'" in unknown.stderr


async def test_deploy_with_errors_stores_nothing(database: Database, write_app: WriteApp) -> None:
    await seed(database)
    directory = write_app(
        replace={"pages/invoices.yaml": ("go_to_page: inventory", "go_to_page: nope")}
    )
    result = inset("deploy", str(directory), database=database)
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"{directory}/pages/invoices.yaml:")
    assert "unknown page 'nope'" in lines[0]
    assert lines[-1] == "1 error; nothing deployed"
    listed = inset("releases", "list", "supplier-portal", database=database)
    assert listed.returncode == 2


async def test_app_new_writes_a_valid_skeleton(database: Database, tmp_path: Path) -> None:
    target = tmp_path / "apps" / "my-portal"
    created = inset("app", "new", str(target))
    assert created.returncode == 0, created.stderr
    assert sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file()) == [
        "app.yaml", "pages/main.yaml", "queries/example.sql"
    ]  # fmt: skip
    validated = inset("validate", str(tmp_path / "apps"))
    assert (validated.returncode, validated.stdout, validated.stderr) == (0, "1 app OK\n", "")
    second = inset("app", "new", str(tmp_path / "apps" / "other"))
    assert second.returncode == 0
    uuids = {
        line
        for p in (tmp_path / "apps").glob("*/app.yaml")
        for line in p.read_text().splitlines()
        if line.startswith("uuid:")
    }
    assert len(uuids) == 2  # each skeleton gets a fresh uuid
    await seed(database)
    deployed = inset("deploy", str(tmp_path / "apps"), database=database)
    assert deployed.returncode == 0, deployed.stderr
    assert "my-portal: created release 1.0.0" in deployed.stdout
    again = inset("app", "new", str(target))
    assert again.returncode == 2 and "already exists" in again.stderr


def test_app_catalogue_prints_json() -> None:
    result = inset("app", "catalogue")
    assert result.returncode == 0
    data = json.loads(result.stdout)
    assert set(data["components"]) == set(COMPONENTS)
    assert data["components"]["table"]["props"]["selectable"]["values"] == [
        "none",
        "single",
        "multi",
    ]
