"""Draft releases and the preview environment's resources, on the metadata database.

A **draft** is a release whose version is ``draft-N`` (not semver, so ``inset deploy`` never
counts it when choosing the next version and ``inset releases promote`` refuses it). Storing
one never moves an app's ``latest``: production embeds keep their release. Its bundle
allows the dev server's origins as parent origins and carries ``"draft": true``, so a draft
never shares a content hash with a production release.

Preview sessions run in the ``development`` environment. For the life of one ``inset dev``
run, :class:`ResourceOverlay` gives that environment a config for every resource that only
has a production one (the same encrypted config) and applies ``--resource`` overrides; on
exit it removes what it added and restores what it replaced.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inset.apps import storage as app_storage
from inset.apps.bundle import build_bundle, content_hash
from inset.apps.loader import Issue
from inset.apps.models import App, Release
from inset.apps.validation import AppsCheck, ValidatedApp, check_apps_root, check_database
from inset.db import utcnow
from inset.resources import service as resources
from inset.resources import storage as resource_storage
from inset.resources.models import Resource

DEV_ENVIRONMENT = "development"
DRAFT_PREFIX = "draft-"
PRODUCTION = "production"


@dataclass(frozen=True)
class Draft:
    """The draft release of one app: what the dev page previews."""

    slug: str
    uuid: str
    name: str
    version: str
    release_id: int
    number: int
    status: Literal["created", "unchanged"]
    pages: list[dict[str, str]]
    groups: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "uuid": self.uuid,
            "name": self.name,
            "version": self.version,
            "releaseId": self.release_id,
            "number": self.number,
            "status": self.status,
            "pages": self.pages,
            "groups": self.groups,
        }


@dataclass(frozen=True)
class DraftOutcome:
    """Either drafts (no errors) or the errors; warnings in both cases."""

    drafts: list[Draft]
    errors: list[Issue]
    warnings: list[Issue]
    files: int


def count_files(root: Path) -> int:
    """Files under ``root``, hidden files and folders left out."""
    total = 0
    for _, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        total += sum(1 for f in files if not f.startswith("."))
    return total


def draft_number(version: str) -> int | None:
    """N of a ``draft-N`` version, None for any other version."""
    rest = version.removeprefix(DRAFT_PREFIX)
    if rest == version or not rest.isdigit():
        return None
    return int(rest)


def draft_bundle(app: ValidatedApp, version: str, origins: Sequence[str]) -> dict[str, Any]:
    """The app's bundle as a draft: the dev server's origins added to its parent origins."""
    bundle = build_bundle(app, version)
    embed = bundle.setdefault("embed", {})
    allowed = list(embed.get("parentOrigins", []))
    embed["parentOrigins"] = allowed + [o for o in origins if o not in allowed]
    bundle["draft"] = True
    return bundle


async def _slug_issue(session: AsyncSession, app: ValidatedApp) -> Issue | None:
    owner = await app_storage.app_by_slug(session, app.slug)
    if owner is None or owner.uuid == app.uuid:
        return None
    return Issue(
        app.app_file,
        app.uuid_line,
        f"the slug '{app.slug}' (folder name) already belongs to another app (uuid {owner.uuid})",
        "rename the folder, or use that app's uuid if this is the same app",
    )


async def _store_draft(session: AsyncSession, app: ValidatedApp, origins: Sequence[str]) -> Draft:
    row = await app_storage.app_by_uuid(session, app.uuid)
    if row is None:  # a new app: it exists from now on, but has no latest release
        now = utcnow()
        row = App(uuid=app.uuid, slug=app.slug, name=app.name, created_at=now, updated_at=now)
        session.add(row)
        await session.flush()
    releases = await app_storage.releases_of(session, row.id)
    digest = content_hash(draft_bundle(app, "", origins))
    existing = next((r for r in releases if r.content_hash == digest), None)
    status: Literal["created", "unchanged"] = "unchanged"
    if existing is None:
        numbers = [n for n in (draft_number(r.version) for r in releases) if n is not None]
        version = f"{DRAFT_PREFIX}{max(numbers, default=0) + 1}"
        existing = Release(
            app_id=row.id,
            version=version,
            content_hash=digest,
            bundle=draft_bundle(app, version, origins),
            created_at=utcnow(),
        )
        session.add(existing)
        await session.flush()
        status = "created"
    return Draft(
        slug=app.slug,
        uuid=app.uuid,
        name=app.name,
        version=existing.version,
        release_id=existing.id,
        number=draft_number(existing.version) or 0,
        status=status,
        pages=[{"name": p["name"], "title": str(p.get("title") or p["name"])} for p in app.pages],
        groups=sorted({str(rule["group"]) for rule in app.access if "group" in rule}),
    )


def _read_files(root: Path) -> tuple[int, AppsCheck]:
    return (count_files(root) if root.is_dir() else 0), check_apps_root(root)


async def deploy_drafts(session: AsyncSession, root: Path, origins: Sequence[str]) -> DraftOutcome:
    """Validate every app under ``root`` (files, then groups, resources and SQL against the
    database) and store a draft release for each one whose content changed.

    Nothing is stored when there is any error. Two dev servers storing a draft of one app
    at the same moment may collide on the version: the caller retries (IntegrityError)."""
    files, check = await asyncio.to_thread(_read_files, root)
    if check.errors:
        return DraftOutcome([], check.errors, check.warnings, files)
    errors = await check_database(session, check.apps)
    for app in check.apps:
        issue = await _slug_issue(session, app)
        if issue is not None:
            errors.append(issue)
    if errors:
        return DraftOutcome([], errors, check.warnings, files)
    drafts = [await _store_draft(session, app, origins) for app in check.apps]
    return DraftOutcome(drafts, [], check.warnings, files)


# ---------------------------------------------------------------------- resources


@dataclass(frozen=True)
class SqliteOverride:
    """``--resource NAME=sqlite:PATH``."""

    name: str
    path: str


def parse_override(text: str) -> SqliteOverride:
    """``NAME=sqlite:PATH`` → SqliteOverride, ValueError with the reason otherwise."""
    name, sep, rest = text.partition("=")
    kind, colon, path = rest.partition(":")
    if not sep or not name.strip() or kind != "sqlite" or not colon or not path.strip():
        raise ValueError(f"'{text}' is not NAME=sqlite:PATH (e.g. warehouse=sqlite:data/wh.db)")
    return SqliteOverride(name.strip(), str(Path(path.strip()).expanduser().resolve()))


@dataclass
class ResourceOverlay:
    """What one ``inset dev`` run added to (``added``: ids) or replaced in (``replaced``:
    id → (type, encrypted config)) the development environment."""

    added: set[int] = field(default_factory=set)
    replaced: dict[int, tuple[str, str]] = field(default_factory=dict)

    async def apply_overrides(
        self, session: AsyncSession, overrides: Sequence[SqliteOverride]
    ) -> None:
        """Point each overridden resource's development config at its SQLite file."""
        for override in overrides:
            row = await resource_storage.get_resource(session, override.name, DEV_ENVIRONMENT)
            if row is None:
                row = await resources.add_resource(
                    session, override.name, "sqlite", override.path, environment=DEV_ENVIRONMENT
                )
                self.added.add(row.id)
                continue
            if row.id not in self.added:
                self.replaced.setdefault(row.id, (row.type, row.config_encrypted))
            await resources.update_resource(
                session,
                override.name,
                environment=DEV_ENVIRONMENT,
                type="sqlite",
                url=override.path,
            )

    async def mirror_production(self, session: AsyncSession) -> list[str]:
        """Give the development environment every resource that only production has (the
        same encrypted config); the names mirrored."""
        rows = list(await session.scalars(select(Resource).order_by(Resource.name)))
        in_dev = {r.name for r in rows if r.environment == DEV_ENVIRONMENT}
        mirrored: list[str] = []
        for row in rows:
            if row.environment != PRODUCTION or row.name in in_dev:
                continue
            copy = await resource_storage.insert_resource(
                session, row.name, DEV_ENVIRONMENT, row.type, row.config_encrypted
            )
            self.added.add(copy.id)
            mirrored.append(row.name)
        return mirrored

    async def undo(self, session: AsyncSession) -> None:
        """Remove what this run added and restore what it replaced."""
        for resource_id in sorted(self.added):
            row = await session.get(Resource, resource_id)
            if row is not None:
                await resource_storage.delete_resource(session, row)
        for resource_id, (type_, encrypted) in self.replaced.items():
            row = await session.get(Resource, resource_id)
            if row is not None:
                await resource_storage.update_resource(session, row, type_, encrypted)
        self.added.clear()
        self.replaced.clear()
