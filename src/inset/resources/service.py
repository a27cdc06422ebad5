"""Resources: named connections to a team's databases and APIs, one config per environment.

Rules (docs/queries.md, "Resources"):

* the URL, headers and options are stored as Fernet-encrypted JSON; only
  :func:`get_resource_config` decrypts them, for use on the server;
* :func:`list_resources` shows URLs with the password masked and header values masked;
* a name + environment pair is unique: adding it twice is a 409, :func:`update_resource`
  changes it;
* there is **no fallback between environments**: a session in ``staging`` uses the
  resource's ``staging`` config or fails, and can never reach production credentials.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import psycopg
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from inset.errors import Conflict, NotFound, UpstreamError, ValidationFailed
from inset.resources import storage
from inset.resources.connectors import ConnectorError, open_connector
from inset.resources.models import Resource
from inset.resources.schemas import (
    RESOURCE_TYPES,
    ResourceConfig,
    ResourceTestResult,
    ResourceView,
    mask_headers,
    mask_url,
)

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$")
ENVIRONMENT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
HEADER_NAME_RE = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,200}$")
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
OPTIONS: dict[str, dict[str, tuple[float, float]]] = {
    "postgres": {"poolMaxSize": (1, 100), "connectTimeout": (1, 60)},
    "mysql": {"poolMaxSize": (1, 100), "connectTimeout": (1, 60)},
    "sqlite": {},
    "rest": {"connectTimeout": (1, 60)},
}
BOOLEAN_OPTIONS: dict[str, tuple[str, ...]] = {"rest": ("allowPrivateNetwork",)}


def _bad(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {message}", field=field)


def _check_name(name: Any) -> str:
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise _bad(
            "name",
            "must be 1 to 200 letters, digits, '_', '-' or '.', starting with a letter or digit",
        )
    return name


def _check_environment(environment: Any) -> str:
    if not isinstance(environment, str) or not ENVIRONMENT_RE.match(environment):
        raise _bad("environment", "must be 1 to 64 letters, digits, '_' or '-', e.g. production")
    return environment


def _check_type(type: Any) -> str:
    if type not in RESOURCE_TYPES:
        raise _bad("type", f"must be one of {', '.join(RESOURCE_TYPES)}")
    return str(type)


def _check_sqlite_url(url: str) -> str:
    if url.startswith(("sqlite:", "file:")) or url == ":memory:":
        raise _bad("url", "for sqlite give the database file's path, e.g. /srv/data/shop.db")
    return str(Path(url).expanduser().resolve())


def _check_postgres_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres"):
        raise _bad("url", "must be a postgresql://user:password@host:5432/database URL")
    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.Error:
        # The driver's message quotes the URL: never show it.
        raise _bad("url", "is not a valid PostgreSQL connection URL") from None
    if not info.get("host") and not info.get("hostaddr"):
        raise _bad("url", "must name a host, e.g. postgresql://user@db.internal:5432/sales")
    if not info.get("dbname"):
        raise _bad("url", "must name a database, e.g. postgresql://user@host:5432/sales")
    for port in str(info.get("port") or "").split(","):
        if port and not (port.isdigit() and 1 <= int(port) <= 65535):
            raise _bad("url", "has an invalid port")
    return url


def _check_mysql_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme != "mysql":
        raise _bad("url", "must be a mysql://user:password@host:3306/database URL")
    try:
        port = parts.port
    except ValueError:
        raise _bad("url", "has an invalid port") from None
    if not parts.hostname:
        raise _bad("url", "must name a host, e.g. mysql://user@db.internal:3306/sales")
    if port is not None and not 1 <= port <= 65535:
        raise _bad("url", "has an invalid port")
    if not unquote(parts.path.lstrip("/")) or "/" in parts.path.lstrip("/"):
        raise _bad("url", "must name one database, e.g. mysql://user@host:3306/sales")
    if parts.query or parts.fragment:
        raise _bad("url", "MySQL URL query parameters are not supported")
    return url


def _check_rest_url(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme == "http" and host in LOCAL_HOSTS:
        return url
    if parts.scheme != "https" or not host:
        raise _bad(
            "url",
            "must be an https:// URL (http:// only for localhost), e.g. https://api.example.com/v1",
        )
    if parts.fragment:
        raise _bad("url", "must not have a #fragment")
    return url


_URL_CHECKS = {
    "sqlite": _check_sqlite_url,
    "postgres": _check_postgres_url,
    "mysql": _check_mysql_url,
    "rest": _check_rest_url,
}


def _check_url(type: str, url: Any) -> str:
    if not isinstance(url, str) or not url.strip():
        raise _bad("url", "is required")
    url = url.strip()
    if len(url) > 4000 or any(ord(ch) < 32 for ch in url):
        raise _bad("url", "must be at most 4000 characters without control characters")
    try:
        return _URL_CHECKS[type](url)
    except ValueError:
        raise _bad("url", "is not a valid URL") from None


def _check_headers(type: str, headers: Any) -> dict[str, str]:
    if headers is None or headers == {}:
        return {}
    if type != "rest":
        raise _bad("headers", "only rest resources have headers")
    if not isinstance(headers, dict):
        raise _bad("headers", "must be a mapping of header name to value")
    result: dict[str, str] = {}
    for name, value in headers.items():
        if not isinstance(name, str) or not HEADER_NAME_RE.match(name):
            raise _bad("headers", f"'{str(name)[:100]}' is not a valid header name")
        if not isinstance(value, str) or any(ch in value for ch in "\r\n\x00"):
            raise _bad(f"headers.{name}", "must be text without line breaks")
        result[name] = value
    return result


def _check_options(type: str, options: Any) -> dict[str, Any]:
    if options is None:
        return {}
    if not isinstance(options, dict):
        raise _bad("options", "must be a mapping")
    allowed = OPTIONS[type]
    flags = BOOLEAN_OPTIONS.get(type, ())
    result: dict[str, Any] = {}
    for key, value in options.items():
        if key in flags:
            if not isinstance(value, bool):
                raise _bad(f"options.{key}", "must be true or false")
            result[key] = value
            continue
        if key not in allowed:
            known = ", ".join((*allowed, *flags)) or "none"
            raise _bad(f"options.{str(key)[:100]}", f"unknown option for {type} (known: {known})")
        low, high = allowed[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _bad(f"options.{key}", "must be a number")
        if not low <= value <= high:
            raise _bad(f"options.{key}", f"must be between {low:g} and {high:g}")
        result[key] = value
    return result


def _view(resource: Resource) -> ResourceView:
    try:
        config = storage.decrypt_config(resource)
        url, headers, options = (
            mask_url(config["url"]),
            mask_headers(config["headers"]),
            config["options"],
        )
    except ValueError:
        url, headers, options = "(cannot decrypt: INSET_SECRET_KEY changed)", {}, {}
    return ResourceView(
        id=resource.id,
        name=resource.name,
        environment=resource.environment,
        type=resource.type,
        url=url,
        headers=headers,
        options=options,
        created_at=resource.created_at,
        updated_at=resource.updated_at,
    )


async def add_resource(
    session: AsyncSession,
    name: str,
    type: str,
    url: str,
    *,
    environment: str = "production",
    headers: dict[str, str] | None = None,
    options: dict[str, Any] | None = None,
) -> Resource:
    """Store a new resource config for ``environment``; 409 when the pair exists."""
    name = _check_name(name)
    environment = _check_environment(environment)
    type = _check_type(type)
    url = _check_url(type, url)
    clean_headers = _check_headers(type, headers)
    clean_options = _check_options(type, options)
    if await storage.get_resource(session, name, environment) is not None:
        raise Conflict(
            f"Resource '{name}' already exists in environment '{environment}'; update it instead.",
            field="name",
            code="resource_exists",
        )
    encrypted = storage.encrypt_config(url, clean_headers, clean_options)
    try:
        async with session.begin_nested():
            resource = await storage.insert_resource(session, name, environment, type, encrypted)
    except IntegrityError:
        raise Conflict(
            f"Resource '{name}' already exists in environment '{environment}'.",
            field="name",
            code="resource_exists",
        ) from None
    return resource


async def update_resource(
    session: AsyncSession,
    name: str,
    *,
    environment: str = "production",
    type: str | None = None,
    url: str | None = None,
    headers: dict[str, str] | None = None,
    options: dict[str, Any] | None = None,
) -> Resource:
    """Change an existing resource config; what is not given (None) is kept."""
    _check_name(name)
    _check_environment(environment)
    resource = await storage.get_resource(session, name, environment)
    if resource is None:
        raise NotFound(
            f"Resource '{name}' does not exist in environment '{environment}'.",
            field="name",
            code="unknown_resource",
        )
    try:
        current = storage.decrypt_config(resource)
    except ValueError:
        current = {"url": None, "headers": {}, "options": {}}
    new_type = _check_type(type if type is not None else resource.type)
    if url is None and (new_type != resource.type or current["url"] is None):
        raise _bad("url", "is required when the type changes or the old config is unreadable")
    new_url = _check_url(new_type, url if url is not None else current["url"])
    new_headers = _check_headers(new_type, headers if headers is not None else current["headers"])
    new_options = _check_options(new_type, options if options is not None else current["options"])
    encrypted = storage.encrypt_config(new_url, new_headers, new_options)
    await storage.update_resource(session, resource, new_type, encrypted)
    return resource


async def delete_resource(
    session: AsyncSession, name: str, environment: str = "production"
) -> None:
    """Remove one environment's config of a resource."""
    resource = await storage.get_resource(session, name, environment)
    if resource is None:
        raise NotFound(
            f"Resource '{name}' does not exist in environment '{environment}'.",
            field="name",
            code="unknown_resource",
        )
    await storage.delete_resource(session, resource)


async def list_resources(session: AsyncSession) -> list[ResourceView]:
    """Every resource config, passwords and header values masked."""
    return [_view(resource) for resource in await storage.list_resources(session)]


async def get_resource_config(session: AsyncSession, name: str, environment: str) -> ResourceConfig:
    """The decrypted config of ``name`` in exactly ``environment`` (no fallback); 404
    ``unknown_resource`` when that environment has none. Server side only."""
    resource = await storage.get_resource(session, name, environment)
    if resource is None:
        raise NotFound(
            f"Resource '{name}' is not configured for environment '{environment}'.",
            field="name",
            code="unknown_resource",
        )
    try:
        config = storage.decrypt_config(resource)
    except ValueError:
        raise UpstreamError(
            f"Resource '{name}' cannot be decrypted: INSET_SECRET_KEY is not the key it "
            "was stored with.",
            code="resource_undecryptable",
        ) from None
    return ResourceConfig(
        name=resource.name,
        environment=resource.environment,
        type=resource.type,
        url=config["url"],
        headers=config["headers"],
        options=config["options"],
    )


def connection_error_message(config: ResourceConfig, exc: ConnectorError) -> str:
    """An admin-facing message for a failed connection: our words, never the driver's."""
    why = (
        exc.reason
        or {
            "timeout": "it did not answer in time",
            "read_only": "it refused the test query",
            "constraint": "it refused the test query",
            "connect": "could not connect",
            "failed": "the test query failed",
        }[exc.kind]
    )
    code = f", code {exc.code}" if exc.code else ""
    return (
        f"Resource '{config.name}' ({config.type}, {config.environment}) failed the test: "
        f"{why}{code}."
    )


async def test_resource(
    session: AsyncSession, name: str, environment: str = "production"
) -> ResourceTestResult:
    """Connect with a fresh connection and run a trivial query. A failure is a 502
    ``resource_unavailable`` whose message says why in our words (no DSN, no password)."""
    config = await get_resource_config(session, name, environment)
    connector = open_connector(config)
    started = time.monotonic()
    try:
        await connector.ping()
    except ConnectorError as exc:
        raise UpstreamError(
            connection_error_message(config, exc), code="resource_unavailable"
        ) from None
    finally:
        await connector.close()
    return ResourceTestResult(
        ok=True,
        name=config.name,
        environment=config.environment,
        type=config.type,
        duration_ms=round((time.monotonic() - started) * 1000),
    )


test_resource.__test__ = False  # type: ignore[attr-defined]  # not a pytest test
