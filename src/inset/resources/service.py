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
from urllib.parse import parse_qsl, quote, unquote, urlsplit, urlunsplit

import psycopg
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from inset.audit.service import record
from inset.errors import Conflict, NotFound, UpstreamError, ValidationFailed
from inset.resources import storage
from inset.resources.connectors import ConnectorError, open_connector
from inset.resources.models import Resource
from inset.resources.schemas import (
    MASK,
    RESOURCE_TYPES,
    ResourceConfig,
    ResourceForm,
    ResourceTestResult,
    ResourceView,
    mask_headers,
    mask_url,
)
from inset.security import hash_secret

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


# Decrypted configs, per process: (metadata database, name, environment) -> (the
# ciphertext it was decrypted from, the config). Each call still reads the row's
# ciphertext (one small indexed SELECT), and Fernet ciphertexts are never reused (random
# IV and timestamp), so any update — in any process — changes it and misses the cache:
# a stale config is never used, and the decrypt is skipped on every other request.
# The HMAC of a constant stands for the current key (reset_key_cache changes it).
_config_cache: dict[tuple[str, str, str], tuple[tuple[str, str, str], ResourceConfig]] = {}
_CONFIG_CACHE_MAX = 256


def clear_config_cache() -> None:
    """Forget every decrypted config (e.g. after INSET_SECRET_KEY changed, in tests)."""
    _config_cache.clear()


async def get_resource_config(session: AsyncSession, name: str, environment: str) -> ResourceConfig:
    """The decrypted config of ``name`` in exactly ``environment`` (no fallback); 404
    ``unknown_resource`` when that environment has none. Server side only."""
    row = (
        await session.execute(
            select(Resource.type, Resource.config_encrypted).where(
                Resource.name == name, Resource.environment == environment
            )
        )
    ).first()
    if row is None:
        raise NotFound(
            f"Resource '{name}' is not configured for environment '{environment}'.",
            field="name",
            code="unknown_resource",
        )
    key = (str(getattr(session.bind, "url", "")), name, environment)
    version = (row.config_encrypted, row.type, hash_secret("resource-config-cache"))
    cached = _config_cache.get(key)
    if cached is not None and cached[0] == version:
        return cached[1]
    try:
        config = storage.decrypt_config(Resource(config_encrypted=row.config_encrypted))
    except ValueError:
        raise UpstreamError(
            f"Resource '{name}' cannot be decrypted: INSET_SECRET_KEY is not the key it "
            "was stored with.",
            code="resource_undecryptable",
        ) from None
    resolved = ResourceConfig(
        name=name,
        environment=environment,
        type=row.type,
        url=config["url"],
        headers=config["headers"],
        options=config["options"],
    )
    if len(_config_cache) >= _CONFIG_CACHE_MAX:
        _config_cache.clear()
    _config_cache[key] = (version, resolved)
    return resolved


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


# --- Admin web UI: the resource form (type-specific fields, secrets never sent back) ----

SSL_MODES = ("disable", "prefer", "require", "verify-ca", "verify-full")
_MAIN_FIELD = {"sqlite": "path", "postgres": "host", "mysql": "host", "rest": "baseUrl"}
_SCHEME = {"postgres": "postgresql", "mysql": "mysql"}


def _form_fields(type: str, config: dict[str, Any]) -> dict[str, Any]:
    """The form's fields for a stored config; secrets only as ``{"set": bool}``."""
    url = str(config.get("url") or "")
    if type == "sqlite":
        return {"path": url}
    headers = config.get("headers") or {}
    if type == "rest":
        return {
            "baseUrl": mask_url(url),
            "headers": [{"name": name, "value": {"set": True}} for name in headers],
            "allowPrivateNetwork": bool(config.get("options", {}).get("allowPrivateNetwork")),
        }
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    try:
        port = parts.port
    except ValueError:
        port = None
    return {
        "host": parts.hostname or "",
        "port": port,
        "database": unquote(parts.path.lstrip("/")),
        "user": unquote(parts.username or ""),
        "password": {"set": bool(parts.password)},
        "ssl": query.get("sslmode"),
    }


def form_view(resource: Resource) -> dict[str, Any]:
    """What the admin UI shows of one resource config (nothing secret)."""
    view = _view(resource).model_dump(mode="json", by_alias=True)
    try:
        config = storage.decrypt_config(resource)
    except ValueError:
        config = {"url": "", "headers": {}, "options": {}}
        view["error"] = "cannot decrypt: INSET_SECRET_KEY changed"
    view.pop("headers", None)
    return {**view, **_form_fields(resource.type, config)}


async def list_form_views(session: AsyncSession) -> list[dict[str, Any]]:
    return [form_view(resource) for resource in await storage.list_resources(session)]


def _required(value: str | None, field: str, example: str) -> str:
    if value is None or not value.strip():
        raise _bad(field, f"is required, e.g. {example}")
    return value.strip()


def _server_url(form: ResourceForm, current: dict[str, Any]) -> str:
    """postgresql:// or mysql:// URL from host/port/database/user/password/ssl. An empty
    password keeps the stored one."""
    host = _required(form.host, "host", "db.internal")
    if any(ch in host for ch in "/@?#") or host.startswith(":"):
        raise _bad("host", "must be a host name or IP address")
    if form.port is not None and not 1 <= form.port <= 65535:
        raise _bad("port", "must be between 1 and 65535")
    database = _required(form.database, "database", "sales")
    password = form.password or ""
    if not password and current.get("url"):
        password = unquote(urlsplit(str(current["url"])).password or "")
    userinfo = quote(form.user or "", safe="")
    if password:
        userinfo += ":" + quote(password, safe="")
    netloc = f"{userinfo}@" if userinfo else ""
    netloc += f"[{host}]" if ":" in host else host
    if form.port is not None:
        netloc += f":{form.port}"
    query = ""
    if form.ssl:
        if form.type != "postgres":
            raise _bad("ssl", "is only available for postgres resources")
        if form.ssl not in SSL_MODES:
            raise _bad("ssl", f"must be one of {', '.join(SSL_MODES)}")
        query = f"sslmode={form.ssl}"
    return urlunsplit((_SCHEME[form.type], netloc, "/" + quote(database, safe=""), query, ""))


def _form_headers(form: ResourceForm, current: dict[str, Any]) -> dict[str, str]:
    """Headers from the form; an empty value keeps the stored value of that header."""
    stored = current.get("headers") or {}
    headers: dict[str, str] = {}
    for index, header in enumerate(form.headers):
        name = header.name.strip()
        if not name:
            raise _bad(f"headers.{index}.name", "is required")
        if header.value:
            headers[name] = header.value
        elif name in stored:
            headers[name] = stored[name]
        else:
            raise _bad(f"headers.{index}.value", f"is required for the new header '{name[:100]}'")
    return headers


def _form_config(
    form: ResourceForm, current: dict[str, Any]
) -> tuple[str, dict[str, str], dict[str, Any]]:
    """(url, headers, options) for ``form``; the current config supplies kept secrets."""
    if form.type == "sqlite":
        return _required(form.path, "path", "/srv/data/shop.db"), {}, {}
    if form.type == "rest":
        base = _required(form.baseUrl, "baseUrl", "https://api.example.com/v1")
        if MASK in base and current.get("url"):
            base = str(current["url"])  # the masked URL came back unchanged
        options = dict(current.get("options") or {})
        options.pop("allowPrivateNetwork", None)
        if form.allowPrivateNetwork:
            options["allowPrivateNetwork"] = True
        return base, _form_headers(form, current), options
    options = {k: v for k, v in (current.get("options") or {}).items() if k in OPTIONS[form.type]}
    return _server_url(form, current), {}, options


def _audit_view(view: dict[str, Any] | None) -> dict[str, Any] | None:
    if view is None:
        return None
    return {k: v for k, v in view.items() if k not in ("id", "createdAt", "updatedAt")}


async def save_form(
    session: AsyncSession,
    form: ResourceForm,
    actor_type: str,
    actor_id: str | int | None,
    request_id: str | None,
    *,
    existing: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """Add (``existing`` None) or change the resource ``existing`` = (name, environment)
    from the admin form. Audited ``admin.resource.created``/``updated`` with before and
    after, secrets masked. A bad field is a 422 naming it."""
    name = _check_name(existing[0] if existing else form.name)
    environment = _check_environment(existing[1] if existing else form.environment)
    _check_type(form.type)
    resource = await storage.get_resource(session, name, environment)
    if existing is not None and resource is None:
        raise NotFound(
            f"Resource '{name}' does not exist in environment '{environment}'.",
            field="name",
            code="unknown_resource",
        )
    before = form_view(resource) if resource is not None else None
    current: dict[str, Any] = {}
    if resource is not None and resource.type == form.type:
        try:
            current = storage.decrypt_config(resource)
        except ValueError:
            current = {}
    url, headers, options = _form_config(form, current)
    try:
        if existing is None:
            saved = await add_resource(
                session,
                name,
                form.type,
                url,
                environment=environment,
                headers=headers,
                options=options,
            )
        else:
            saved = await update_resource(
                session,
                name,
                environment=environment,
                type=form.type,
                url=url,
                headers=headers,
                options=options,
            )
    except ValidationFailed as exc:
        if exc.field == "url":
            field = _MAIN_FIELD[form.type]
            raise _bad(field, exc.message.removeprefix("url: ")) from None
        raise
    after = form_view(saved)
    await _record_saved(session, name, environment, before, after, actor_type, actor_id, request_id)
    return after


async def _record_saved(
    session: AsyncSession,
    name: str,
    environment: str,
    before: dict[str, Any] | None,
    after: dict[str, Any],
    actor_type: str,
    actor_id: str | int | None,
    request_id: str | None,
) -> None:
    """``admin.resource.created`` (no ``before``) or ``admin.resource.updated``, with the
    form views (secrets only as ``{"set": …}``, URLs masked)."""
    await record(
        session,
        "admin.resource.updated" if before is not None else "admin.resource.created",
        actor_type=actor_type,
        actor_id=actor_id,
        request_id=request_id,
        data={
            "name": name,
            "environment": environment,
            "before": _audit_view(before),
            "after": _audit_view(after),
        },
    )


async def put_audited(
    session: AsyncSession,
    name: str,
    type: str,
    url: str,
    *,
    environment: str,
    headers: dict[str, str],
    options: dict[str, Any] | None,
    replace: bool,
    actor_type: str,
    actor_id: str | int | None,
    request_id: str | None = None,
) -> str:
    """Add a resource by URL (``inset resources add``), or with ``replace`` update the
    existing one; ``"added"`` or ``"updated"``. Audited like :func:`save_form`."""
    resource = await storage.get_resource(session, name, environment)
    if resource is not None and replace:
        before: dict[str, Any] | None = form_view(resource)
        saved = await update_resource(
            session,
            name,
            environment=environment,
            type=type,
            url=url,
            headers=headers,
            options=options,
        )
    else:
        before = None
        saved = await add_resource(
            session,
            name,
            type,
            url,
            environment=environment,
            headers=headers or None,
            options=options,
        )
    await _record_saved(
        session,
        saved.name,
        saved.environment,
        before,
        form_view(saved),
        actor_type,
        actor_id,
        request_id,
    )
    return "added" if before is None else "updated"


async def delete_audited(
    session: AsyncSession,
    name: str,
    environment: str,
    actor_type: str,
    actor_id: str | int | None,
    request_id: str | None,
) -> None:
    """Delete one environment's config; audited ``admin.resource.deleted`` with before."""
    resource = await storage.get_resource(session, name, environment)
    before = form_view(resource) if resource is not None else None
    await delete_resource(session, name, environment)
    await record(
        session,
        "admin.resource.deleted",
        actor_type=actor_type,
        actor_id=actor_id,
        request_id=request_id,
        data={"name": name, "environment": environment, "before": _audit_view(before)},
    )


async def test_for_admin(session: AsyncSession, name: str, environment: str) -> dict[str, Any]:
    """:func:`test_resource` as ``{ok, durationMs}`` or ``{ok: false, message}``."""
    try:
        result = await test_resource(session, name, environment)
    except UpstreamError as exc:
        return {"ok": False, "message": exc.message}
    return {"ok": True, "durationMs": result.duration_ms}


test_for_admin.__test__ = False  # type: ignore[attr-defined]  # not a pytest test
