"""Apps and releases: deploy a folder of apps, resolve an app or a release by name."""

from __future__ import annotations

import asyncio
import difflib
import json
import uuid as uuid_module
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from inset.apps import sources, storage
from inset.apps.bundle import build_bundle, content_hash
from inset.apps.loader import Issue
from inset.apps.models import App, Release
from inset.apps.validation import ValidatedApp, check_apps_root, check_database, parse_version
from inset.audit.service import record
from inset.db import utcnow
from inset.errors import Conflict, ValidationFailed

FIRST_VERSION = "1.0.0"
LATEST = "latest"

DeployStatus = Literal["created", "unchanged", "restored"]


@dataclass(frozen=True)
class AppDeployResult:
    """What deploy did with one app.

    ``created``: a new release; ``unchanged``: the latest release already has this content;
    ``restored``: an older release has this content and is now the latest again."""

    slug: str
    uuid: str
    name: str
    status: DeployStatus
    version: str
    release_id: int
    content_hash: str
    app_created: bool
    latest_version: str | None = None


@dataclass(frozen=True)
class DeployReport:
    apps: list[AppDeployResult]
    warnings: list[Issue] = field(default_factory=list)


@dataclass
class _Plan:
    app: ValidatedApp
    row: App | None
    status: DeployStatus
    version: str
    content_hash: str
    existing: Release | None


def _invalid(issues: list[Issue]) -> ValidationFailed:
    count = len(issues)
    first = issues[0].format()
    more = f" (and {count - 1} more)" if count > 1 else ""
    return ValidationFailed(
        f"{count} error{'s' if count != 1 else ''} in app files: {first}{more}",
        code="invalid_app",
        details=[issue.to_dict() for issue in issues],
    )


def _next_patch(versions: list[str]) -> str:
    parsed = [v for v in (parse_version(x) for x in versions) if v is not None]
    if not parsed:
        return FIRST_VERSION
    major, minor, patch = max(parsed)
    return f"{major}.{minor}.{patch + 1}"


async def _plan(
    session: AsyncSession, app: ValidatedApp, promote: bool = True
) -> tuple[_Plan | None, list[Issue]]:
    row = await storage.app_by_uuid(session, app.uuid)
    slug_owner = await storage.app_by_slug(session, app.slug)
    if slug_owner is not None and slug_owner.uuid != app.uuid:
        return None, [
            Issue(
                app.app_file,
                app.uuid_line,
                f"the slug '{app.slug}' (folder name) already belongs to another app "
                f"(uuid {slug_owner.uuid})",
                "rename the folder, or use that app's uuid if this is the same app",
            )
        ]
    releases = await storage.releases_of(session, row.id) if row is not None else []
    digest = content_hash(build_bundle(app, ""))
    existing = next((r for r in releases if r.content_hash == digest), None)
    if existing is not None and row is not None:
        moves = promote and row.latest_release_id != existing.id
        status: DeployStatus = "restored" if moves else "unchanged"
        return _Plan(app, row, status, existing.version, digest, existing), []
    versions = [r.version for r in releases]
    if app.version is None:
        version = _next_patch(versions)
    else:
        version = app.version
        newest = max((v for v in map(parse_version, versions) if v is not None), default=None)
        wanted = parse_version(version)
        assert wanted is not None  # validated
        if newest is not None and wanted <= newest:
            latest = ".".join(map(str, newest))
            return None, [
                Issue(
                    app.app_file,
                    app.version_line,
                    f"version {version} is not greater than the latest release {latest}",
                    f"use a higher version, or remove version: to deploy as "
                    f"{_next_patch(versions)}",
                )
            ]
    return _Plan(app, row, "created", version, digest, None), []


async def deploy_directory(
    session: AsyncSession,
    path: Path | str,
    *,
    git_commit: str | None = None,
    git_message: str | None = None,
    actor_type: str = "cli",
    actor_id: str | int | None = None,
    display: str | None = None,
    request_id: str | None = None,
    promote: bool = True,
) -> DeployReport:
    """Validate every app under ``path`` and store a release for each changed one.

    Nothing is stored when any app has an error: ValidationFailed carries every issue in
    ``details`` (``[{file, line, message, hint, severity}]``). ``display`` names the folder
    in messages (a Git URL, an archive). Deploys to one metadata database run one at a time
    (see :func:`_lock_deploys`), so two at once never race for a version. With
    ``promote=False`` new releases are stored but ``latest`` stays where it is (check them
    with ``releaseVersion``, then :func:`promote_release`)."""
    check = check_apps_root(path, display)
    if check.errors:
        raise _invalid(check.errors)
    await _lock_deploys(session)
    db_issues = await check_database(session, check.apps)
    if db_issues:
        raise _invalid(db_issues)
    plans: list[_Plan] = []
    problems: list[Issue] = []
    for app in check.apps:
        plan, issues = await _plan(session, app, promote)
        problems.extend(issues)
        if plan is not None:
            plans.append(plan)
    if problems:
        raise _invalid(problems)
    results = [
        await _apply(
            session, plan, git_commit, git_message, actor_type, actor_id, request_id, promote
        )
        for plan in plans
    ]
    return DeployReport(apps=results, warnings=check.warnings)


# Any constant: the key of the PostgreSQL advisory lock that serialises deploys.
_DEPLOY_LOCK_KEY = 0x1_2E5E7_D3


async def _lock_deploys(session: AsyncSession) -> None:
    """Hold the deploy lock until the transaction ends: on PostgreSQL an advisory lock, on
    SQLite the database's write lock (taken now, before reading, so a second deploy waits
    and then sees the first one's releases instead of failing on the unique version)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        await session.execute(select(func.pg_advisory_xact_lock(_DEPLOY_LOCK_KEY)))
    elif dialect == "sqlite":
        await session.execute(update(App).where(App.id == -1).values(name=App.name))


async def deploy_git(
    session: AsyncSession,
    url: str,
    ref: str | None = None,
    *,
    path: str | None = None,
    actor_type: str = "cli",
    actor_id: str | int | None = None,
    request_id: str | None = None,
    promote: bool = True,
) -> tuple[sources.Checkout, DeployReport]:
    """Fetch ``ref`` of a Git repository (in a worker thread) and deploy its apps with the
    commit and its message recorded. ``path``: the folder of apps inside the repository
    (default: the root, or its ``apps/`` folder)."""
    checkout = await asyncio.to_thread(sources.fetch_git, url, ref)
    with checkout:
        root, display = sources.apps_root(checkout, path)
        report = await deploy_directory(
            session,
            root,
            git_commit=checkout.git_commit,
            git_message=checkout.git_message,
            actor_type=actor_type,
            actor_id=actor_id,
            display=display,
            request_id=request_id,
            promote=promote,
        )
    return checkout, report


async def deploy_archive(
    session: AsyncSession,
    data: bytes,
    *,
    name: str = "archive",
    path: str | None = None,
    actor_type: str = "token",
    actor_id: str | int | None = None,
    request_id: str | None = None,
    promote: bool = True,
) -> DeployReport:
    """Unpack an uploaded .tar.gz or .zip (with limits, see :mod:`inset.apps.sources`) and
    deploy its apps. No Git commit is recorded."""
    checkout = await asyncio.to_thread(sources.unpack_archive, data, name=name)
    with checkout:
        root, display = sources.apps_root(checkout, path)
        return await deploy_directory(
            session,
            root,
            actor_type=actor_type,
            actor_id=actor_id,
            display=display,
            request_id=request_id,
            promote=promote,
        )


async def _apply(
    session: AsyncSession,
    plan: _Plan,
    git_commit: str | None,
    git_message: str | None,
    actor_type: str,
    actor_id: str | int | None,
    request_id: str | None = None,
    promote: bool = True,
) -> AppDeployResult:
    app = plan.app
    row = plan.row
    created_app = row is None
    now = utcnow()
    if row is None:
        row = App(uuid=app.uuid, slug=app.slug, name=app.name, created_at=now, updated_at=now)
        session.add(row)
    else:
        row.slug = app.slug
        row.name = app.name
    release = plan.existing
    try:
        if release is None:
            await session.flush()
            release = Release(
                app_id=row.id,
                version=plan.version,
                content_hash=plan.content_hash,
                bundle=build_bundle(app, plan.version),
                git_commit=git_commit[:64] if git_commit else None,
                git_message=git_message,
                created_at=now,
            )
            session.add(release)
            await session.flush()
        if promote and row.latest_release_id != release.id:
            row.latest_release_id = release.id
            row.updated_at = now
        await session.flush()
    except IntegrityError as exc:
        raise Conflict(
            f"another deploy of app '{app.slug}' happened at the same time; deploy again",
            code="deploy_conflict",
        ) from exc
    if plan.status != "unchanged":
        await record(
            session,
            "admin.app_deployed" if plan.status == "created" else "admin.release_restored",
            actor_type=actor_type,
            actor_id=actor_id,
            app_id=row.id,
            request_id=request_id,
            data={
                "slug": app.slug,
                "version": plan.version,
                "content_hash": plan.content_hash,
                "git_commit": git_commit,
                "promoted": promote,
            },
        )
    return AppDeployResult(
        slug=app.slug,
        uuid=app.uuid,
        name=app.name,
        status=plan.status,
        version=plan.version,
        release_id=release.id,
        content_hash=plan.content_hash,
        app_created=created_app,
        latest_version=(
            plan.version
            if row.latest_release_id == release.id
            else (
                latest.version
                if row.latest_release_id is not None
                and (latest := await storage.release_by_id(session, row.latest_release_id))
                else None
            )
        ),
    )


def _shown(ref: str) -> str:
    return ref if len(ref) <= 80 else ref[:77] + "..."


async def resolve_app(session: AsyncSession, ref: str, *, field: str = "app") -> App:
    """The app whose uuid or slug is ``ref``; ValidationFailed naming ``field`` if none."""
    text = ref.strip() if isinstance(ref, str) else ""
    app: App | None = None
    if text:
        try:
            app_uuid = str(uuid_module.UUID(text))
        except ValueError:
            app = await storage.app_by_slug(session, text)
        else:
            app = await storage.app_by_uuid(session, app_uuid)
    if app is None:
        raise ValidationFailed(
            f"{field}: unknown app '{_shown(str(ref))}'", field=field, code="unknown_app"
        )
    return app


async def resolve_release(
    session: AsyncSession, app: App, version: str | None = LATEST, *, field: str = "releaseVersion"
) -> Release:
    """The release ``version`` of ``app``; ``latest`` (or None) is the app's latest release."""
    if version is None or version == LATEST:
        release = (
            await storage.release_by_id(session, app.latest_release_id)
            if app.latest_release_id is not None
            else None
        )
        if release is None:
            raise ValidationFailed(
                f"{field}: app '{app.slug}' has no release yet", field=field, code="no_release"
            )
        return release
    release = await storage.release_by_version(session, app.id, version)
    if release is None:
        raise ValidationFailed(
            f"{field}: app '{app.slug}' has no release '{_shown(version)}'",
            field=field,
            code="unknown_release",
        )
    return release


async def list_releases(session: AsyncSession, app_ref: str) -> list[Release]:
    """Every release of the app (uuid or slug), newest first."""
    app = await resolve_app(session, app_ref, field="app")
    return await storage.releases_of(session, app.id)


@dataclass(frozen=True)
class PromoteResult:
    app: App
    release: Release
    previous: Release | None
    changed: bool


async def promote_release(
    session: AsyncSession,
    app_ref: str,
    version: str,
    *,
    actor_type: str = "cli",
    actor_id: str | int | None = None,
    request_id: str | None = None,
) -> PromoteResult:
    """Make release ``version`` the one ``latest`` means (a rollback when it is older).

    Sessions already open keep their release; new embeds with ``releaseVersion: latest``
    get this one. Audited as ``admin.release_promoted`` (nothing when it already is)."""
    app = await resolve_app(session, app_ref, field="app")
    if not isinstance(version, str) or parse_version(version) is None:
        raise ValidationFailed(
            f"version: '{_shown(str(version))}' is not a version like 1.2.0",
            field="version",
            code="bad_version",
        )
    release = await resolve_release(session, app, version, field="version")
    previous = (
        await storage.release_by_id(session, app.latest_release_id)
        if app.latest_release_id is not None
        else None
    )
    if previous is not None and previous.id == release.id:
        return PromoteResult(app, release, previous, changed=False)
    app.latest_release_id = release.id
    app.updated_at = utcnow()
    await session.flush()
    await record(
        session,
        "admin.release_promoted",
        actor_type=actor_type,
        actor_id=actor_id,
        app_id=app.id,
        request_id=request_id,
        data={
            "slug": app.slug,
            "version": release.version,
            "content_hash": release.content_hash,
            "previous_version": previous.version if previous is not None else None,
        },
    )
    return PromoteResult(app, release, previous, changed=True)


async def release_of(session: AsyncSession, app_ref: str, version: str) -> tuple[App, Release]:
    """The app and its release ``version`` (``latest`` allowed)."""
    app = await resolve_app(session, app_ref, field="app")
    return app, await resolve_release(session, app, version, field="version")


def bundle_text(bundle: dict[str, Any]) -> list[str]:
    """A release bundle as lines for reading and diffing: the app as sorted, indented JSON,
    then each page, then each query with its SQL as plain lines (``compiled`` is derived
    from the SQL and left out)."""
    head = {k: v for k, v in bundle.items() if k not in ("pages", "queries")}
    lines = ["# app", *json.dumps(head, indent=2, sort_keys=True).splitlines()]
    for page in bundle.get("pages", []):
        lines += [f"# page {page.get('name')}"]
        lines += json.dumps(page, indent=2, sort_keys=True, ensure_ascii=False).splitlines()
    for name, query in sorted(bundle.get("queries", {}).items()):
        rest = {k: v for k, v in query.items() if k not in ("sql", "compiled")}
        lines += [f"# query {name}"]
        lines += json.dumps(rest, indent=2, sort_keys=True, ensure_ascii=False).splitlines()
        if "sql" in query:
            lines += ["-- sql", *str(query["sql"]).rstrip("\n").splitlines()]
    return lines


async def diff_releases(
    session: AsyncSession, app_ref: str, versions: list[str]
) -> tuple[Release, Release, str]:
    """A unified diff between two releases of an app. ``versions``: none (the release before
    the latest, and the latest), one (it, and the latest) or two (from, to)."""
    if len(versions) > 2:
        raise ValidationFailed(
            "versions: give at most two versions", field="versions", code="bad_version"
        )
    app = await resolve_app(session, app_ref, field="app")
    latest = await resolve_release(session, app, LATEST, field="version")
    if len(versions) == 2:
        old = await resolve_release(session, app, versions[0], field="version")
        new = await resolve_release(session, app, versions[1], field="version")
    elif len(versions) == 1:
        old = await resolve_release(session, app, versions[0], field="version")
        new = latest
    else:
        earlier = [r for r in await storage.releases_of(session, app.id) if r.id < latest.id]
        if not earlier:
            raise ValidationFailed(
                f"version: app '{app.slug}' has only one release before or at the latest; "
                "name two versions",
                field="version",
                code="unknown_release",
            )
        old, new = earlier[0], latest
    diff = difflib.unified_diff(
        bundle_text(old.bundle),
        bundle_text(new.bundle),
        fromfile=f"{app.slug}@{old.version}",
        tofile=f"{app.slug}@{new.version}",
        lineterm="",
    )
    return old, new, "\n".join(diff)


# --- Admin web UI: the apps list -------------------------------------------------------


@dataclass(frozen=True)
class AppSummary:
    """One app as the admin apps page lists it. ``environments``: where every resource its
    live release uses is configured (the live release is what those environments serve)."""

    app: App
    live: Release | None
    release_count: int
    parent_origins: list[str]
    environments: list[str]


def release_resources(bundle: dict[str, Any]) -> set[str]:
    """Names of the resources a release's queries run against."""
    queries = bundle.get("queries", {})
    return {str(q["resource"]) for q in queries.values() if q.get("resource")}


async def list_app_summaries(session: AsyncSession) -> list[AppSummary]:
    """Every app with its live (``latest``) release, release count and allowed parent
    origins (from the live release's app.yaml), by slug."""
    apps = await storage.all_apps(session)
    counts = await storage.release_counts(session)
    configured = await storage.resource_environments(session)
    summaries: list[AppSummary] = []
    for app in apps:
        live = (
            await storage.release_by_id(session, app.latest_release_id)
            if app.latest_release_id is not None
            else None
        )
        bundle = live.bundle if live is not None else {}
        needed = release_resources(bundle)
        everywhere = set().union(*configured.values()) if configured else set()
        environments = sorted(
            env for env in everywhere if all(env in configured.get(r, set()) for r in needed)
        )
        summaries.append(
            AppSummary(
                app=app,
                live=live,
                release_count=counts.get(app.id, 0),
                parent_origins=list(bundle.get("embed", {}).get("parentOrigins", [])),
                environments=environments if live is not None else [],
            )
        )
    return summaries
