"""Running a release's query for an embed session: the server is the only author.

``run_query`` checks the query's kind and groups, validates the params, binds params and
``current_user`` values (never interpolated), runs the query on the resource config of the
session's environment with the configured limits, maps failures to clear errors, and
records a ``query.run`` audit event in the caller's transaction.

Rules (docs/queries.md):

* ``kind: parent`` never runs on the server (400 ``parent_query``);
* ``allowedGroups`` restricts who may run a query (403 ``query_forbidden``);
* ``kind: write`` is **default-deny**: it runs only for members of its ``allowedGroups``;
  a write query without ``allowedGroups`` runs for nobody;
* an ``array`` param (and a ``current_user`` value that is a list) renders as a
  parenthesised list of placeholders: ``IN {{ ids }}`` → ``IN (?, ?, ?)``; ``IN ({{ ids }})``
  works too; an empty list renders ``(NULL)``, which matches no row.
"""

from __future__ import annotations

import time
from collections.abc import Coroutine
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from inset.access.service import may_run_query
from inset.audit.service import record
from inset.embed.context import SessionContext
from inset.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    InsetError,
    NotFound,
    UpstreamError,
    ValidationFailed,
)
from inset.logs import log
from inset.queries.compiler import USER_FIELDS
from inset.queries.paging import run_paged
from inset.queries.params import audit_params, validate_params
from inset.queries.ratelimits import check_rate, session_slot
from inset.queries.rest import resolve
from inset.queries.results import QueryResult, encode_value
from inset.resources.connectors import ConnectorError, JsonParam, get_connector
from inset.resources.connectors.rest import PathParamError, RestConnector, encode_segment
from inset.resources.schemas import ResourceConfig
from inset.resources.service import get_resource_config
from inset.settings import get_settings

QUERY_KINDS = ("read", "write", "parent")
_NAME_SHOWN_MAX = 200


def _bad_definition(name: str, problem: str) -> BadRequest:
    return BadRequest(
        f"Query '{name}' is not defined correctly in this release: {problem}.",
        code="bad_query_definition",
    )


def _lookup_user(current_user: dict[str, Any], path: list[str]) -> Any:
    """The value at ``path`` under ``current_user``; a missing key is None (NULL)."""
    value: Any = current_user
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _as_bind(value: Any) -> Any:
    return JsonParam(value) if isinstance(value, (dict, list)) else value


def bind(
    query_name: str,
    compiled: Any,
    declared: dict[str, dict[str, Any]],
    values: dict[str, Any],
    current_user: dict[str, Any],
) -> tuple[dict[str, Any], list[Any]]:
    """Resolve every binding and expand list values into placeholder lists.

    Returns ``({"parts", "bindings"}, values)`` with one value per placeholder, ready for a
    connector. A list binding becomes ``(p, p, …)`` between its parts; when the author
    already wrote the parentheses (``IN ({{ ids }})``) they are not doubled; an empty list
    becomes ``(NULL)``."""
    if not isinstance(compiled, dict):
        raise _bad_definition(query_name, "it has no compiled SQL")
    parts, bindings = compiled.get("parts"), compiled.get("bindings")
    if (
        not isinstance(parts, list)
        or not isinstance(bindings, list)
        or len(parts) != len(bindings) + 1
        or not all(isinstance(p, str) for p in parts)
    ):
        raise _bad_definition(query_name, "its compiled SQL is malformed")
    resolved: list[tuple[Any, bool]] = []  # (value, expand as a list)
    for binding in bindings:
        if isinstance(binding, dict) and "param" in binding:
            param = binding["param"]
            if param not in declared:
                raise _bad_definition(query_name, f"'{param}' is bound but not declared")
            kind = declared[param]["type"]
            value = values.get(param)
            if kind == "array":
                resolved.append(([_as_bind(v) for v in value or []], True))
            elif kind == "json":
                resolved.append((None if value is None else JsonParam(value), False))
            elif kind == "file":  # {{ doc }}: the bytes; {{ doc.name }}: a FILE_FIELDS value
                part = binding.get("field")
                if value is None:
                    resolved.append((None, False))
                else:
                    resolved.append((value.field_value(part) if part else value.content, False))
            else:
                resolved.append((value, False))
        elif (
            isinstance(binding, dict)
            and isinstance(binding.get("user"), list)
            and binding["user"]
            and binding["user"][0] in USER_FIELDS
            and all(isinstance(k, str) for k in binding["user"])
        ):
            value = _lookup_user(current_user, binding["user"])
            if isinstance(value, list):
                resolved.append(([_as_bind(v) for v in value], True))
            else:
                resolved.append((_as_bind(value), False))
        else:
            raise _bad_definition(query_name, "a binding is neither a param nor current_user.*")

    out_parts = [parts[0]]
    out_values: list[Any] = []
    for index, (value, expand) in enumerate(resolved):
        following = parts[index + 1]
        if not expand:
            out_values.append(value)
            out_parts.append(following)
            continue
        wrapped = out_parts[-1].rstrip().endswith("(") and following.lstrip().startswith(")")
        opening, closing = ("", "") if wrapped else ("(", ")")
        if not value:
            out_parts[-1] += f"{opening}NULL{closing}{following}"
            continue
        out_parts[-1] += opening
        for position, item in enumerate(value):
            out_values.append(item)
            last = position == len(value) - 1
            out_parts.append(f"{closing}{following}" if last else ", ")
    placeholders = [{"value": i} for i in range(len(out_values))]
    return {"parts": out_parts, "bindings": placeholders}, out_values


def _map_connector_error(query_name: str, exc: ConnectorError, timeout: float) -> InsetError:
    code = f" (code {exc.code})" if exc.code else ""
    if exc.kind == "timeout":
        return UpstreamError(
            f"Query '{query_name}' did not finish within {timeout:g} s and was cancelled.",
            code="query_timeout",
            status_code=504,
        )
    if exc.kind == "read_only":
        return UpstreamError(
            f"Query '{query_name}' tried to change data, but read queries run read-only "
            "(declare it with kind: write).",
            code="resource_error",
        )
    if exc.kind == "constraint":
        return Conflict(
            f"Query '{query_name}' was refused by a database constraint{code}.",
            code="constraint_violation",
        )
    if exc.kind == "connect":
        return UpstreamError(
            f"Query '{query_name}' could not reach its resource{code}.", code="resource_error"
        )
    return UpstreamError(
        f"Query '{query_name}' failed on its resource{code}.", code="resource_error"
    )


async def _execute(
    query_name: str,
    config: ResourceConfig,
    compiled: dict[str, Any],
    values: list[Any],
    *,
    read_only: bool,
    current_user: dict[str, Any],
) -> dict[str, Any]:
    if config.type == "rest":
        raise BadRequest(
            f"Query '{query_name}' has SQL but its resource is a REST API; declare method "
            "and path instead.",
            code="unsupported_resource",
        )
    settings = get_settings()
    connector = await get_connector(config)
    return await _guarded(
        query_name,
        config,
        connector.execute(
            compiled,
            values,
            read_only=read_only,
            timeout=settings.query_timeout_seconds,
            max_rows=settings.query_max_rows,
            max_bytes=settings.query_max_bytes,
            rls=current_user,
        ),
    )


async def _execute_rest(
    query_name: str,
    config: ResourceConfig,
    rest: Any,
    declared: dict[str, dict[str, Any]],
    values: dict[str, Any],
    current_user: dict[str, Any],
) -> dict[str, Any]:
    """Run a REST query: path params as encoded segments, query and body bound."""
    if config.type != "rest":
        raise BadRequest(
            f"Query '{query_name}' is a REST query but its resource is a {config.type} database.",
            code="unsupported_resource",
        )
    if not isinstance(rest, dict) or not isinstance(rest.get("path"), dict):
        raise _bad_definition(query_name, "its REST request is malformed")

    def lookup(binding: Any) -> Any:
        if isinstance(binding, dict) and isinstance(binding.get("param"), str):
            if binding["param"] not in declared:
                raise _bad_definition(query_name, f"'{binding['param']}' is bound but not declared")
            return encode_value(values.get(binding["param"]))
        if isinstance(binding, dict) and isinstance(binding.get("user"), list):
            return encode_value(_lookup_user(current_user, [str(k) for k in binding["user"]]))
        raise _bad_definition(query_name, "a binding is neither a param nor current_user.*")

    path = rest["path"]
    parts, bindings = path.get("parts"), path.get("bindings")
    if not isinstance(parts, list) or not isinstance(bindings, list):
        raise _bad_definition(query_name, "its REST path is malformed")
    if len(parts) != len(bindings) + 1 or not all(isinstance(p, str) for p in parts):
        raise _bad_definition(query_name, "its REST path is malformed")
    segments: list[str] = []
    for binding in bindings:
        name = binding.get("param") if isinstance(binding, dict) else None
        try:
            segments.append(encode_segment(str(name or "current_user"), lookup(binding)))
        except PathParamError as exc:
            if name is None:
                raise UpstreamError(
                    f"Query '{query_name}' cannot run: a current_user value is not a valid "
                    "path segment.",
                    code="resource_error",
                ) from None
            raise ValidationFailed(
                f"params.{name}: {exc.message}", code="invalid_param", field=f"params.{name}"
            ) from None
    settings = get_settings()
    connector = await get_connector(config)
    if not isinstance(connector, RestConnector):
        raise _bad_definition(query_name, "its resource is not a REST API")
    try:
        url_path = connector.build_url(parts, segments)
    except ValueError:
        raise _bad_definition(query_name, "its path leaves the resource's base path") from None
    query = resolve(rest.get("query") or {}, lookup)
    body = resolve(rest["body"], lookup) if "body" in rest else None
    return await _guarded(
        query_name,
        config,
        connector.request(
            str(rest.get("method", "GET")),
            url_path,
            query if isinstance(query, dict) else {},
            body,
            timeout=settings.query_timeout_seconds,
            max_rows=settings.query_max_rows,
            max_bytes=settings.query_max_bytes,
        ),
    )


async def _guarded(
    query_name: str,
    config: ResourceConfig,
    call: Coroutine[Any, Any, QueryResult | dict[str, Any]],
) -> dict[str, Any]:
    """Await a connector call; map its failures to clear errors (and log them)."""
    settings = get_settings()
    started = time.monotonic()
    try:
        result = await call
    except ConnectorError as exc:
        log.warning(
            "query_failed",
            query=query_name,
            resource=config.name,
            environment=config.environment,
            kind=exc.kind,
            driver_error=exc.driver,
            db_code=exc.code,
            duration_ms=round((time.monotonic() - started) * 1000),
        )
        raise _map_connector_error(query_name, exc, settings.query_timeout_seconds) from None
    except Exception as exc:  # a driver raising something unexpected must not be a 500
        log.error(
            "query_failed_unexpectedly",
            query=query_name,
            resource=config.name,
            environment=config.environment,
            driver_error=f"{type(exc).__module__}.{type(exc).__qualname__}",
        )
        raise UpstreamError(
            f"Query '{query_name}' failed on its resource.", code="resource_error"
        ) from None
    return result if isinstance(result, dict) else result.to_json()


async def _run(
    session: AsyncSession,
    ctx: SessionContext,
    bundle: dict[str, Any],
    name: str,
    params: Any,
    audit: dict[str, Any],
    paging: Any = None,
) -> dict[str, Any]:
    queries = bundle.get("queries") if isinstance(bundle, dict) else None
    query = queries.get(name) if isinstance(queries, dict) and isinstance(name, str) else None
    shown = str(name)[:_NAME_SHOWN_MAX]
    if not isinstance(query, dict):
        raise NotFound(f"Unknown query '{shown}'.", code="unknown_query", field="name")
    kind = query.get("kind", "read")
    audit["kind"] = kind
    if kind not in QUERY_KINDS:
        raise _bad_definition(name, f"unknown kind '{kind}'")
    if kind == "parent":
        raise BadRequest(
            f"Query '{name}' is a parent query: the host page provides its value; it never "
            "runs on the server.",
            code="parent_query",
            field="name",
        )
    if kind == "write" and not query.get("allowedGroups"):
        raise Forbidden(
            f"Query '{name}' writes data but names no allowedGroups; write queries run only "
            "for members of their allowedGroups.",
            code="query_forbidden",
        )
    if not may_run_query(query, ctx.group_names):
        raise Forbidden(
            f"Your groups may not run query '{name}'.", code="query_forbidden", field="name"
        )
    declared = query.get("params") or {}
    values = validate_params(declared, params)
    audit["params"] = audit_params(declared, values)
    current_user = ctx.current_user()
    rest = query.get("rest")
    paged = rest is None and kind == "read" and query.get("pagination") is not None
    compiled: dict[str, Any] = {}
    bind_values: list[Any] = []
    if rest is None and not paged:
        compiled, bind_values = bind(name, query.get("compiled"), declared, values, current_user)
    resource_name = query.get("resource")
    if not isinstance(resource_name, str):
        raise _bad_definition(name, "it names no resource")
    try:
        config = await get_resource_config(session, resource_name, ctx.environment)
    except NotFound:
        raise UpstreamError(
            f"Query '{name}' cannot run: its resource is not configured for environment "
            f"'{ctx.environment}'.",
            code="resource_not_configured",
        ) from None
    if rest is not None:
        return await _execute_rest(name, config, rest, declared, values, current_user)
    if paged:  # server-side paging: inset.queries.paging (one page plus totalRows)
        return await run_paged(
            name,
            query,
            paging,
            declared=declared,
            values=values,
            current_user=current_user,
            dialect=config.type,
            max_rows=get_settings().query_max_rows,
            bind=bind,
            execute=lambda sql, bound: _execute(
                name, config, sql, bound, read_only=True, current_user=current_user
            ),
        )
    return await _execute(
        name,
        config,
        compiled,
        bind_values,
        read_only=kind == "read",
        current_user=current_user,
    )


async def run_query(
    session: AsyncSession,
    ctx: SessionContext,
    bundle: dict[str, Any],
    name: str,
    params: Any,
    *,
    request_id: str | None = None,
    paging: Any = None,
) -> dict[str, Any]:
    """Run query ``name`` of ``bundle`` for the session ``ctx`` with client ``params``
    (and, for a ``pagination: offset`` query, the client's ``paging``: one page of rows
    plus ``totalRows``, see inset.queries.paging).

    Returns ``{"columns", "rows", "rowCount", "truncated"}`` (read) or
    ``{"affectedRows"}`` (write). Raises InsetError: 404 ``unknown_query``, 400
    ``parent_query``, 403 ``query_forbidden``, 422 param errors, 409
    ``constraint_violation``, 502 ``resource_error``, 504 ``query_timeout``. Either way a
    ``query.run`` audit event is added to ``session``: the caller must commit it even when
    this raises (otherwise failed and forbidden runs go unaudited)."""
    started = time.monotonic()
    audit: dict[str, Any] = {
        "query": str(name)[:_NAME_SHOWN_MAX],
        "release": {"id": ctx.release_id, "version": _bundle_version(bundle)},
    }
    try:
        await check_rate(str(ctx.external_user_id))
        async with session_slot(ctx.session_id):
            body = await _run(session, ctx, bundle, name, params, audit, paging)
    except InsetError as exc:
        audit["durationMs"] = round((time.monotonic() - started) * 1000)
        audit["error"] = {"code": exc.code, "status": exc.status_code}
        # Refusals (incl. rate limits) are "denied", as elsewhere in the audit log;
        # failures are "error".
        outcome = "denied" if exc.status_code in (401, 403, 429) else "error"
        await _audit(session, ctx, request_id, outcome, audit)
        raise
    audit["durationMs"] = round((time.monotonic() - started) * 1000)
    if "affectedRows" in body:
        audit["affectedRows"] = body["affectedRows"]
    if "rowCount" in body:
        audit["rowCount"] = body["rowCount"]
        audit["truncated"] = body["truncated"]
    if "totalRows" in body:
        audit["paging"] = {**body["paging"], "totalRows": body["totalRows"]}
    await _audit(session, ctx, request_id, "ok", audit)
    log.debug(
        "query_run",
        query=audit["query"],
        rows=body.get("rowCount", body.get("affectedRows")),
        duration_ms=audit["durationMs"],
    )
    return body


def _bundle_version(bundle: Any) -> str | None:
    version = bundle.get("version") if isinstance(bundle, dict) else None
    return version if isinstance(version, str) else None


async def _audit(
    session: AsyncSession,
    ctx: SessionContext,
    request_id: str | None,
    outcome: str,
    data: dict[str, Any],
) -> None:
    await record(
        session,
        "query.run",
        actor_type="external_user",
        actor_id=ctx.external_user_id,
        outcome=outcome,
        external_identifier=ctx.external_identifier,
        app_id=ctx.app_id,
        session_id=ctx.session_id,
        request_id=request_id,
        data=data,
    )
