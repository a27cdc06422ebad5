"""REST queries: compiling ``method``/``path``/``query``/``body`` at deploy, binding at run.

An app declares a REST query on a ``rest`` resource (docs/queries.md, "REST queries")::

    orders:
      resource: billing
      method: GET                       # read queries: GET only
      path: /customers/{{ customerId }}/orders
      query: {status: "{{ status }}", limit: 50}
      body: {note: "{{ note }}"}        # writes only (JSON object)

``{{ ref }}`` is a declared param or ``current_user.*`` (as in SQL). In ``path`` each
reference is one whole path segment value, URL-encoded at run time. In ``query`` and
``body`` a string that is exactly ``{{ ref }}`` is replaced by the (typed) value; any other
value is a literal. The compiled form is stored in the bundle as ``rest``.
"""

from __future__ import annotations

import re
from typing import Any

from inset.queries.compiler import SqlCompileError, _binding_for

REST_QUERY_KEYS = (
    "kind",
    "resource",
    "method",
    "path",
    "query",
    "body",
    "params",
    "trigger",
    "allowedGroups",
)
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_WHOLE = re.compile(r"^\{\{\s*([^{}]*?)\s*\}\}$")
_TEMPLATE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
_PATH_CHARS = re.compile(r"^[A-Za-z0-9\-._~!$&'()*+,;=:@/]*$")
MAX_DEPTH = 10


def is_rest_query(spec: dict[str, Any]) -> bool:
    """A query spec is a REST query when it has a ``path`` (and no ``sql``)."""
    return "path" in spec and "sql" not in spec


def _compile_path(path: Any, params: set[str]) -> dict[str, Any]:
    if not isinstance(path, str) or not path.startswith("/"):
        raise ValueError("path must be text starting with '/', e.g. /orders/{{ orderId }}")
    parts: list[str] = []
    bindings: list[dict[str, Any]] = []
    last = 0
    for match in _TEMPLATE.finditer(path):
        before, after = path[last : match.start()], path[match.end() :]
        if not before.endswith("/") or not (after == "" or after[0] in "/?"):
            raise ValueError(
                "a {{ param }} in path must be a whole segment, e.g. /orders/{{ orderId }}/lines"
            )
        try:
            bindings.append(_binding_for(match.group(1), params, match.start()))
        except SqlCompileError as exc:
            raise ValueError(exc.message) from None
        parts.append(before)
        last = match.end()
    parts.append(path[last:])
    for part in parts:
        if "{{" in part or "}}" in part:
            raise ValueError("path has an unclosed {{")
        if not _PATH_CHARS.match(part) or "?" in part or "#" in part:
            raise ValueError("path may only contain URL path characters (no ?, #, spaces or %)")
        segments = part.split("/")
        if any(s in (".", "..") for s in segments) or "//" in part:
            raise ValueError("path must not contain '.', '..' or empty segments")
    return {"parts": parts, "bindings": bindings}


def _compile_value(value: Any, params: set[str], where: str, depth: int = 0) -> Any:
    """A JSON value with every exact ``"{{ ref }}"`` string replaced by a binding marker
    ``{"$bind": binding}``; other strings containing ``{{`` are refused."""
    if depth > MAX_DEPTH:
        raise ValueError(f"{where} is nested too deeply")
    if isinstance(value, str):
        match = _WHOLE.match(value)
        if match:
            try:
                return {"$bind": _binding_for(match.group(1), params, 0)}
            except SqlCompileError as exc:
                raise ValueError(f"{where}: {exc.message}") from None
        if "{{" in value:
            raise ValueError(
                f"{where}: a value may only be a whole {{{{ param }}}}, not text around it"
            )
        return value
    if isinstance(value, dict):
        return {
            str(k): _compile_value(v, params, f"{where}.{k}", depth + 1) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_compile_value(v, params, f"{where}[{i}]", depth + 1) for i, v in enumerate(value)]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    raise ValueError(f"{where} must be JSON (text, number, boolean, null, list or mapping)")


def compile_rest(
    spec: dict[str, Any], params: set[str], kind: str
) -> tuple[dict[str, Any] | None, list[tuple[str, str]]]:
    """``(compiled, [])`` or ``(None, [(key, message), …])`` for a REST query spec."""
    problems: list[tuple[str, str]] = []
    method = spec.get("method", "GET")
    if not isinstance(method, str) or method.upper() not in METHODS:
        problems.append(("method", f"method must be one of {', '.join(METHODS)}"))
        method = "GET"
    method = method.upper()
    if kind == "read" and method != "GET":
        problems.append(("method", "a read query uses GET; declare kind: write for other methods"))
    compiled: dict[str, Any] = {"method": method}
    try:
        compiled["path"] = _compile_path(spec.get("path"), params)
    except ValueError as exc:
        problems.append(("path", str(exc)))
    query = spec.get("query", {})
    if not isinstance(query, dict):
        problems.append(("query", "query must be a mapping of name to value"))
    else:
        try:
            compiled["query"] = {
                str(k): _compile_value(v, params, f"query.{k}") for k, v in query.items()
            }
        except ValueError as exc:
            problems.append(("query", str(exc)))
    if "body" in spec:
        body = spec["body"]
        if not isinstance(body, dict):
            problems.append(("body", "body must be a JSON object (a mapping)"))
        elif method == "GET":
            problems.append(("body", "a GET request has no body"))
        else:
            try:
                compiled["body"] = _compile_value(body, params, "body")
            except ValueError as exc:
                problems.append(("body", str(exc)))
    return (None, problems) if problems else (compiled, [])


def resolve(value: Any, lookup: Any) -> Any:
    """``value`` with every ``{"$bind": binding}`` replaced by ``lookup(binding)``."""
    if isinstance(value, dict):
        if set(value) == {"$bind"}:
            return lookup(value["$bind"])
        return {k: resolve(v, lookup) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, lookup) for v in value]
    return value
