"""Apps and releases: deploy a folder of apps, resolve an app or a release by name."""

from __future__ import annotations

import uuid as uuid_module
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from inset.apps import storage
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


async def _plan(session: AsyncSession, app: ValidatedApp) -> tuple[_Plan | None, list[Issue]]:
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
        status: DeployStatus = "unchanged" if row.latest_release_id == existing.id else "restored"
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
) -> DeployReport:
    """Validate every app under ``path`` and store a release for each changed one.

    Nothing is stored when any app has an error: ValidationFailed carries every issue in
    ``details`` (``[{file, line, message, hint, severity}]``)."""
    check = check_apps_root(path)
    if check.errors:
        raise _invalid(check.errors)
    db_issues = await check_database(session, check.apps)
    if db_issues:
        raise _invalid(db_issues)
    plans: list[_Plan] = []
    problems: list[Issue] = []
    for app in check.apps:
        plan, issues = await _plan(session, app)
        problems.extend(issues)
        if plan is not None:
            plans.append(plan)
    if problems:
        raise _invalid(problems)
    results = [
        await _apply(session, plan, git_commit, git_message, actor_type, actor_id) for plan in plans
    ]
    return DeployReport(apps=results, warnings=check.warnings)


async def _apply(
    session: AsyncSession,
    plan: _Plan,
    git_commit: str | None,
    git_message: str | None,
    actor_type: str,
    actor_id: str | int | None,
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
        if row.latest_release_id != release.id:
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
            data={
                "slug": app.slug,
                "version": plan.version,
                "content_hash": plan.content_hash,
                "git_commit": git_commit,
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
