"""Resource rows on the metadata database. Config is stored as Fernet-encrypted JSON."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inset.db import utcnow
from inset.resources.models import Resource
from inset.security import decrypt, encrypt


def encrypt_config(url: str, headers: dict[str, str], options: dict[str, Any]) -> str:
    """The ``config_encrypted`` column value for a resource's connection settings."""
    document = {"url": url, "headers": headers, "options": options}
    return encrypt(json.dumps(document, ensure_ascii=False, separators=(",", ":")))


def decrypt_config(resource: Resource) -> dict[str, Any]:
    """``{"url", "headers", "options"}``; ValueError when INSET_SECRET_KEY changed."""
    document: dict[str, Any] = json.loads(decrypt(resource.config_encrypted))
    return {
        "url": str(document.get("url", "")),
        "headers": dict(document.get("headers") or {}),
        "options": dict(document.get("options") or {}),
    }


async def get_resource(session: AsyncSession, name: str, environment: str) -> Resource | None:
    return await session.scalar(
        select(Resource).where(Resource.name == name, Resource.environment == environment)
    )


async def list_resources(session: AsyncSession) -> list[Resource]:
    return list(
        await session.scalars(select(Resource).order_by(Resource.name, Resource.environment))
    )


async def insert_resource(
    session: AsyncSession, name: str, environment: str, type: str, config_encrypted: str
) -> Resource:
    now = utcnow()
    resource = Resource(
        name=name,
        environment=environment,
        type=type,
        config_encrypted=config_encrypted,
        created_at=now,
        updated_at=now,
    )
    session.add(resource)
    await session.flush()
    return resource


async def update_resource(
    session: AsyncSession, resource: Resource, type: str, config_encrypted: str
) -> Resource:
    resource.type = type
    resource.config_encrypted = config_encrypted
    resource.updated_at = utcnow()
    await session.flush()
    return resource


async def delete_resource(session: AsyncSession, resource: Resource) -> None:
    await session.delete(resource)
    await session.flush()
