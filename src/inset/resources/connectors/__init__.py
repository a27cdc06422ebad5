"""Connectors per resource type, and the process-wide cache of open ones.

``get_connector(config)`` returns the cached connector of a resource (its pool is created
on first use and reused by every request). A changed config (new URL, new password) gets a
new connector; the old one is closed. ``close_all_connectors()`` must run on app shutdown.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from inset.errors import BadRequest
from inset.resources.connectors.base import Connector, ConnectorError, JsonParam
from inset.resources.schemas import ResourceConfig

__all__ = [
    "Connector",
    "ConnectorError",
    "JsonParam",
    "close_all_connectors",
    "get_connector",
    "open_connector",
]

RUNNABLE_TYPES = ("sqlite", "postgres", "mysql", "rest")


@dataclass
class _Entry:
    fingerprint: str
    loop: asyncio.AbstractEventLoop
    connector: Connector


_cache: dict[tuple[str, str], _Entry] = {}


def open_connector(config: ResourceConfig) -> Connector:
    """A new, uncached connector for ``config`` (the caller closes it)."""
    if config.type == "sqlite":
        from inset.resources.connectors.sqlite import SqliteConnector

        return SqliteConnector(config)
    if config.type == "postgres":
        from inset.resources.connectors.postgres import PostgresConnector

        return PostgresConnector(config)
    if config.type == "mysql":
        from inset.resources.connectors.mysql import MysqlConnector

        return MysqlConnector(config)
    if config.type == "rest":
        from inset.resources.connectors.rest import RestConnector

        return RestConnector(config)
    raise BadRequest(
        f"Resources of type '{config.type}' cannot run queries yet (not yet supported).",
        code="unsupported_resource",
    )


async def get_connector(config: ResourceConfig) -> Connector:
    """The process-wide connector for this resource and environment."""
    key = (config.name, config.environment)
    loop = asyncio.get_running_loop()
    fingerprint = config.fingerprint()
    entry = _cache.get(key)
    if entry is not None and entry.fingerprint == fingerprint and entry.loop is loop:
        return entry.connector
    connector = open_connector(config)
    _cache[key] = _Entry(fingerprint, loop, connector)
    if entry is not None and entry.loop is loop and not loop.is_closed():
        # The config changed: the old pool's connections use stale credentials.
        await entry.connector.close()
    return connector


async def close_all_connectors() -> None:
    """Close every cached connector that belongs to the running event loop.

    Connectors created on another (finished) loop cannot be closed from here; they are
    dropped."""
    from inset.queries.ratelimits import close_limits  # its Redis pool, if any

    await close_limits()
    loop = asyncio.get_running_loop()
    entries = list(_cache.values())
    _cache.clear()
    for entry in entries:
        if entry.loop is loop:
            await entry.connector.close()
