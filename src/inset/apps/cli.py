"""``inset validate``, ``inset deploy``, ``inset app new`` and ``inset releases list``."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import typer
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from inset.apps import service, sources
from inset.apps.components import catalogue_json
from inset.apps.json_schema import FILES, schema_json
from inset.apps.loader import Issue
from inset.apps.schemas import DeployReportOut, ReleaseOut
from inset.apps.validation import check_apps_root, check_database
from inset.cli_support import CLI_ACTOR, cli_user, fail, print_json, run_with_session, stdout
from inset.errors import InsetError, ValidationFailed

cli = typer.Typer(help="Validate and deploy apps.")
app_cli = typer.Typer(help="App folders.", no_args_is_help=True)
releases_cli = typer.Typer(help="Releases of an app.", no_args_is_help=True)

EXIT_INVALID = 2


class _IssuesFound(Exception):
    """Raised inside a DB transaction so that it rolls back, then reported by the CLI."""

    def __init__(self, issues: list[Issue]) -> None:
        super().__init__(f"{len(issues)} issues")
        self.issues = issues


def _print_issues(issues: list[Issue]) -> None:
    for issue in issues:
        sys.stderr.write(issue.format() + "\n")
    sys.stderr.flush()


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


@cli.command("validate")
def validate(
    directory: Path = typer.Argument(..., help="An app folder, or a folder of app folders."),
    database: bool = typer.Option(
        False,
        "--database",
        help="Also check against the metadata database that groups and resources exist.",
    ),
) -> None:
    """Check app files; print file:line: message for each problem (exit 2 on errors)."""
    check = check_apps_root(directory)
    issues = list(check.issues)
    if database and not check.errors:

        async def _db(session: AsyncSession) -> list[Issue]:
            return await check_database(session, check.apps)

        issues += run_with_session(_db)
    _print_issues(issues)
    errors = [i for i in issues if i.severity == "error"]
    if errors:
        sys.stderr.write(f"{_plural(len(errors), 'error')}\n")
        raise typer.Exit(EXIT_INVALID)
    typer.echo(f"{_plural(len(check.apps), 'app')} OK")


def _git(directory: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(  # noqa: S603 - fixed argv, no shell
            ["git", "-C", str(directory), *args],  # noqa: S607 - git from PATH
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


@cli.command("deploy")
def deploy(
    source: str = typer.Argument(
        ...,
        metavar="DIR|GIT_URL",
        help="An app folder or a folder of app folders, or a Git URL (https://, ssh://, "
        "git@host:path, file://).",
    ),
    ref: str | None = typer.Option(
        None, "--ref", help="Branch, tag or commit to deploy (Git; default: the remote HEAD)."
    ),
    path: str | None = typer.Option(
        None, "--path", help="Folder of apps inside the repository (default: root or apps/)."
    ),
    git_commit: str | None = typer.Option(
        None, "--git-commit", help="Commit to record; read from git when DIR is in a repo."
    ),
    git_message: str | None = typer.Option(None, "--git-message", help="Commit message to record."),
    no_promote: bool = typer.Option(
        False,
        "--no-promote",
        help="Store new releases but leave 'latest' where it is (check them with "
        "releaseVersion in staging, then `inset releases promote`).",
    ),
    as_json: bool = typer.Option(False, "--json", help="JSON output."),
) -> None:
    """Validate every app and store a release for each changed one (exit 2 on errors)."""
    directory = Path(source)
    checkout: sources.Checkout | None = None
    display: str | None = None
    try:
        if ref is not None or sources.is_git_url(source) or not directory.is_dir():
            if not sources.is_git_url(source) and not directory.is_dir():
                fail(f"{source} is not a folder nor a Git URL")
            checkout = sources.fetch_git(source, ref)
            directory, display = sources.apps_root(checkout, path)
            git_commit = git_commit or checkout.git_commit
            git_message = git_message or checkout.git_message
        else:
            if path:
                directory = directory / path
            if git_commit is None:
                git_commit = _git(directory, "rev-parse", "HEAD")
                if git_commit is not None and git_message is None:
                    git_message = _git(directory, "log", "-1", "--format=%B")
        report = _run_deploy(directory, git_commit, git_message, display, not no_promote)
    except InsetError as exc:
        fail(exc.message)
    finally:
        if checkout is not None:
            checkout.cleanup()
    if as_json:
        out = DeployReportOut.of(report).model_dump(mode="json")
        print_json({**out, "git_commit": git_commit, "git_message": git_message})
        return
    _print_issues(report.warnings)
    for result in report.apps:
        if result.status == "created" and result.latest_version != result.version:
            typer.echo(
                f"{result.slug}: created release {result.version} (not promoted; latest is "
                f"{result.latest_version or 'none'})"
            )
        elif result.status == "created":
            typer.echo(f"{result.slug}: created release {result.version}")
        elif result.status == "restored":
            typer.echo(f"{result.slug}: unchanged, release {result.version} is latest again")
        else:
            typer.echo(f"{result.slug}: unchanged (release {result.version})")
    if git_commit:
        typer.echo(f"commit {git_commit[:12]}", err=True)


def _run_deploy(
    directory: Path,
    git_commit: str | None,
    git_message: str | None,
    display: str | None,
    promote: bool,
) -> service.DeployReport:
    async def _deploy(session: AsyncSession) -> service.DeployReport:
        try:
            return await service.deploy_directory(
                session,
                directory,
                git_commit=git_commit,
                git_message=git_message,
                display=display,
                promote=promote,
                actor_type=CLI_ACTOR,
                actor_id=cli_user(),
            )
        except ValidationFailed as exc:
            if exc.code == "invalid_app" and isinstance(exc.details, list):
                raise _IssuesFound([Issue(**d) for d in exc.details]) from exc
            raise

    try:
        return run_with_session(_deploy)
    except _IssuesFound as found:
        _print_issues(found.issues)
        sys.stderr.write(f"{_plural(len(found.issues), 'error')}; nothing deployed\n")
        raise typer.Exit(EXIT_INVALID) from None


APP_YAML = """\
uuid: {uuid}   # stable identity of the app; keep it when renaming or moving the folder
name: {name}
# version: 1.0.0           # optional; without it each deploy bumps the patch version
access: []                 # who may use the app, e.g. - {{group: suppliers, level: use}}
embed:
  parentOrigins: []        # host pages that may embed it, e.g. https://app.example.com
pages: [main]
queries:
  example:
    resource: {resource}   # add it with: inset resources add {resource} --type sqlite --url …
    sql: queries/example.sql
    params:
      name: {{type: string, maxLength: 100, value: "{{{{ name.value }}}}"}}
"""

MAIN_PAGE = """\
title: {name}
components:
  - {{id: title, type: heading, value: {name}}}
  - {{id: name, type: text_input, label: Your name, value: World}}
  - id: greeting
    type: table
    data: "{{{{ queries.example.data }}}}"
    columns:
      - {{key: greeting, label: Greeting}}
      - {{key: name, label: Name}}
  - {{id: refresh, type: button, label: Refresh, on_click: [{{run: example}}]}}
"""

EXAMPLE_SQL = """\
-- The name param becomes a bind parameter: its value never enters the SQL text.
SELECT 'Hello from Inset' AS greeting, {{ name }} AS name
"""


@app_cli.command("new")
def app_new(
    path: Path = typer.Argument(..., help="Folder to create, e.g. apps/supplier-portal."),
    resource: str = typer.Option("example", "--resource", help="Resource the example query uses."),
) -> None:
    """Write an app skeleton (app.yaml with a fresh uuid, a page and a query)."""
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        fail(f"{path} already exists and is not an empty folder")
    slug = path.resolve().name
    name = slug.replace("-", " ").replace("_", " ").strip().capitalize() or "My app"
    (path / "pages").mkdir(parents=True, exist_ok=True)
    (path / "queries").mkdir(exist_ok=True)
    (path / "app.yaml").write_text(
        APP_YAML.format(uuid=uuid.uuid4(), name=_yaml_text(name), resource=resource)
    )
    (path / "pages" / "main.yaml").write_text(MAIN_PAGE.format(name=_yaml_text(name)))
    (path / "queries" / "example.sql").write_text(EXAMPLE_SQL)
    typer.echo(f"created {path}: edit app.yaml, then `inset validate {path}`")


def _yaml_text(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@app_cli.command("catalogue")
def app_catalogue() -> None:
    """Print the component catalogue (components, props, events, actions) as JSON."""
    sys.stdout.write(catalogue_json() + "\n")


@cli.command("schema")
def schema(
    file: str = typer.Option(
        "app",
        "--file",
        help="Which file: app (app.yaml), page (pages/*.yaml) or query (one query).",
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write the schema to this file instead of stdout."
    ),
) -> None:
    """Print the JSON Schema (draft 2020-12) of app files, for editor completion and checks."""
    if file not in FILES:
        fail(f"--file must be one of: {', '.join(FILES)}", code=EXIT_INVALID)
    text = schema_json(file)
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}", code=EXIT_INVALID)
    typer.echo(f"wrote {output}")


@releases_cli.command("list")
def releases_list(
    app: str = typer.Argument(..., help="The app's uuid or slug."),
    as_json: bool = typer.Option(False, "--json", help="JSON output."),
) -> None:
    """List an app's releases, newest first."""

    async def _list(session: AsyncSession) -> list[ReleaseOut]:
        found = await service.resolve_app(session, app, field="app")
        releases = await service.list_releases(session, app)
        return [ReleaseOut.of(r, found.latest_release_id) for r in releases]

    releases = run_with_session(_list)
    if as_json:
        print_json([r.model_dump(mode="json") for r in releases])
        return
    table = Table("version", "latest", "created", "content", "commit")
    for r in releases:
        table.add_row(
            r.version,
            "yes" if r.is_latest else "",
            r.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            r.content_hash[:12],
            (r.git_commit or "")[:12],
        )
    stdout.print(table)


@releases_cli.command("show")
def releases_show(
    app: str = typer.Argument(..., help="The app's uuid or slug."),
    version: str = typer.Argument("latest", help="A version such as 1.0.2, or latest."),
    as_json: bool = typer.Option(False, "--json", help="JSON output (the whole bundle)."),
) -> None:
    """Show one release: version, hash, commit, message, pages and queries (with SQL)."""

    async def _show(session: AsyncSession) -> tuple[ReleaseOut, dict[str, Any]]:
        found, release = await service.release_of(session, app, version)
        return ReleaseOut.of(release, found.latest_release_id), release.bundle

    release, bundle = run_with_session(_show)
    if as_json:
        print_json({**release.model_dump(mode="json"), "bundle": bundle})
        return
    lines = [
        f"app:        {bundle.get('slug')} ({bundle.get('uuid')})",
        f"version:    {release.version}{'  (latest)' if release.is_latest else ''}",
        f"hash:       {release.content_hash}",
        f"commit:     {release.git_commit or '-'}",
        f"message:    {(release.git_message or '-').splitlines()[0]}",
        f"created_at: {release.created_at.isoformat()}",
        f"pages:      {', '.join(p['name'] for p in bundle.get('pages', []))}",
        "queries:",
    ]
    for name, query in sorted(bundle.get("queries", {}).items()):
        kind = query.get("kind", "read")
        where = f" on {query['resource']}" if query.get("resource") else ""
        lines.append(f"  {name} ({kind}{where})")
        for sql_line in str(query.get("sql", "")).rstrip("\n").splitlines():
            lines.append(f"    {sql_line}")
    sys.stdout.write("\n".join(lines) + "\n")


@releases_cli.command("diff")
def releases_diff(
    app: str = typer.Argument(..., help="The app's uuid or slug."),
    versions: list[str] | None = typer.Argument(
        None, help="FROM [TO]; default: the release before the latest, and the latest."
    ),
) -> None:
    """Unified diff of two releases' pages and queries (exit 1 when they differ)."""

    async def _diff(session: AsyncSession) -> str:
        return (await service.diff_releases(session, app, list(versions or [])))[2]

    text = run_with_session(_diff)
    if text:
        sys.stdout.write(text + "\n")
        raise typer.Exit(1)
    typer.echo("no differences", err=True)


@releases_cli.command("promote")
def releases_promote(
    app: str = typer.Argument(..., help="The app's uuid or slug."),
    version: str = typer.Argument(..., help="The release that latest should mean."),
) -> None:
    """Make VERSION the app's latest release (rollback); open sessions keep theirs."""
    result = run_with_session(
        lambda s: service.promote_release(
            s, app, version, actor_type=CLI_ACTOR, actor_id=cli_user()
        )
    )
    before = result.previous.version if result.previous else "none"
    if result.changed:
        typer.echo(f"{result.app.slug}: latest is now {result.release.version} (was {before})")
    else:
        typer.echo(f"{result.app.slug}: {result.release.version} already is the latest")
