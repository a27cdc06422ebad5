"""Groups, external users, and the rules for who may use which app and query."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from inset.access.models import ExternalUser, Group
from inset.apps.models import App, Release
from inset.db import utcnow
from inset.errors import BadRequest, Conflict, NotFound, ValidationFailed

LEVELS = ("none", "use", "edit", "own")
GROUP_NAME_MAX = 200


async def create_group(session: AsyncSession, name: str) -> Group:
    """Create a group with a unique name."""
    name = name.strip()
    if not name or len(name) > GROUP_NAME_MAX:
        raise BadRequest(f"name must be 1 to {GROUP_NAME_MAX} characters", field="name")
    if name.isdigit():
        raise BadRequest("name must not be only digits (ids are numbers)", field="name")
    if await session.scalar(select(Group).where(Group.name == name)):
        raise Conflict(f"A group named '{name}' already exists.", field="name")
    group = Group(name=name)
    session.add(group)
    await session.flush()
    return group


async def list_groups(session: AsyncSession) -> list[Group]:
    return list(await session.scalars(select(Group).order_by(Group.id)))


async def resolve_groups(
    session: AsyncSession, refs: Sequence[int | str], field: str = "groupIds"
) -> list[Group]:
    """Groups by id (int, or digits) or name; any unknown one is a 422 naming it."""
    ids = {int(r) for r in refs if isinstance(r, int) or (isinstance(r, str) and r.isdigit())}
    names = {r for r in refs if isinstance(r, str) and not r.isdigit()}
    found: list[Group] = []
    if ids:
        found += list(await session.scalars(select(Group).where(Group.id.in_(ids))))
    if names:
        found += list(await session.scalars(select(Group).where(Group.name.in_(names))))
    missing = sorted(
        [str(i) for i in ids - {g.id for g in found}] + sorted(names - {g.name for g in found})
    )
    if missing:
        raise ValidationFailed(
            f"{field}: unknown group {', '.join(missing)}", field=field, code="unknown_group"
        )
    unique = {g.id: g for g in found}
    return [unique[k] for k in sorted(unique)]


def app_access_level(bundle: dict[str, Any], group_names: Sequence[str]) -> str:
    """The highest level any of ``group_names`` has on the app (``none`` by default)."""
    best = 0
    for rule in bundle.get("access", []):
        if rule.get("group") in group_names:
            best = max(best, LEVELS.index(rule.get("level", "none")))
    return LEVELS[best]


def may_run_query(query: dict[str, Any], group_names: Sequence[str]) -> bool:
    """A query with ``allowedGroups`` runs only for members of one of them."""
    allowed = query.get("allowedGroups")
    if allowed is None:
        return True
    return bool(set(allowed) & set(group_names))


async def upsert_external_user(
    session: AsyncSession,
    external_identifier: str,
    user_info: dict[str, Any],
    group_ids: list[int],
    metadata: dict[str, Any],
    *,
    record_visit: bool = True,
) -> ExternalUser:
    """Create or update the external user keyed by the host's identifier.

    ``record_visit=False`` (admin previews) only makes sure the row exists: an existing
    user's name, email, last groups, metadata and last-seen time stay as the host product
    last set them. Concurrent first calls for one new user are safe: the row is created
    with INSERT … ON CONFLICT DO NOTHING (PostgreSQL and SQLite), then read back."""
    now = utcnow()
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    await session.execute(
        insert(ExternalUser)
        .values(
            external_identifier=external_identifier,
            last_group_ids=[],
            last_metadata={},
            created_at=now,
            last_seen_at=now,
        )
        .on_conflict_do_nothing(index_elements=["external_identifier"])
    )
    user = await session.scalar(
        select(ExternalUser)
        .where(ExternalUser.external_identifier == external_identifier)
        .execution_options(populate_existing=True)
    )
    assert user is not None
    if not record_visit:
        return user
    if user_info.get("email") is not None:
        user.email = user_info["email"]
    if user_info.get("firstName") is not None:
        user.first_name = user_info["firstName"]
    if user_info.get("lastName") is not None:
        user.last_name = user_info["lastName"]
    user.last_group_ids = group_ids
    user.last_metadata = metadata
    user.last_seen_at = now
    await session.flush()
    return user


async def get_group(session: AsyncSession, group_id: int) -> Group:
    group = await session.get(Group, group_id)
    if group is None:
        raise NotFound(f"No group with id {group_id}.", field="id")
    return group


async def rename_group(session: AsyncSession, group_id: int, name: str) -> tuple[Group, str]:
    """Rename a group (names stay unique); returns the group and its previous name.

    Embed calls naming the group by its old name fail from now on (unknown_group), and
    app.yaml access rules name groups too: rename them there as well."""
    group = await get_group(session, group_id)
    name = name.strip()
    if not name or len(name) > GROUP_NAME_MAX:
        raise ValidationFailed(f"name must be 1 to {GROUP_NAME_MAX} characters", field="name")
    if name.isdigit():
        raise ValidationFailed("name must not be only digits (ids are numbers)", field="name")
    before = group.name
    if name != before:
        if await session.scalar(select(Group).where(Group.name == name, Group.id != group_id)):
            raise Conflict(f"A group named '{name}' already exists.", field="name")
        group.name = name
        await session.flush()
    return group, before


async def group_app_access(session: AsyncSession, group: Group) -> list[dict[str, Any]]:
    """The level the group has on each app's live release (from its app.yaml ``access``)."""
    rows = await session.execute(
        select(App, Release).join(Release, Release.id == App.latest_release_id).order_by(App.slug)
    )
    return [
        {
            "app": app.slug,
            "name": app.name,
            "version": release.version,
            "level": app_access_level(release.bundle, [group.name]),
        }
        for app, release in rows
    ]


async def group_recent_users(
    session: AsyncSession, group: Group, limit: int = 20, scan: int = 2000
) -> list[ExternalUser]:
    """External users whose latest embed call named the group, most recently seen first
    (among the ``scan`` most recently seen users)."""
    recent = await session.scalars(
        select(ExternalUser).order_by(ExternalUser.last_seen_at.desc()).limit(scan)
    )
    return [u for u in recent if group.id in (u.last_group_ids or [])][:limit]
