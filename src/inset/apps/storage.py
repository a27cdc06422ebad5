"""Queries on the metadata database for apps and releases."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from inset.access.models import Group
from inset.apps.models import App, Release
from inset.resources.models import Resource


async def app_by_uuid(session: AsyncSession, app_uuid: str) -> App | None:
    return await session.scalar(select(App).where(App.uuid == app_uuid.lower()))


async def app_by_slug(session: AsyncSession, slug: str) -> App | None:
    return await session.scalar(select(App).where(App.slug == slug))


async def releases_of(session: AsyncSession, app_id: int) -> list[Release]:
    """Every release of an app, newest first."""
    rows = await session.scalars(
        select(Release).where(Release.app_id == app_id).order_by(Release.id.desc())
    )
    return list(rows)


async def release_by_version(session: AsyncSession, app_id: int, version: str) -> Release | None:
    return await session.scalar(
        select(Release).where(Release.app_id == app_id, Release.version == version)
    )


async def release_by_id(session: AsyncSession, release_id: int) -> Release | None:
    return await session.get(Release, release_id)


async def group_names(session: AsyncSession) -> set[str]:
    return set(await session.scalars(select(Group.name)))


async def resource_names(session: AsyncSession) -> set[str]:
    """Names of resources in any environment."""
    return set(await session.scalars(select(Resource.name).distinct()))


async def all_apps(session: AsyncSession) -> list[App]:
    return list(await session.scalars(select(App).order_by(App.slug)))


async def release_counts(session: AsyncSession) -> dict[int, int]:
    """Number of releases per app id."""
    rows = await session.execute(
        select(Release.app_id, func.count(Release.id)).group_by(Release.app_id)
    )
    return {app_id: count for app_id, count in rows}


async def resource_environments(session: AsyncSession) -> dict[str, set[str]]:
    """Resource name → the environments it is configured for."""
    result: dict[str, set[str]] = {}
    for name, environment in await session.execute(select(Resource.name, Resource.environment)):
        result.setdefault(name, set()).add(environment)
    return result
