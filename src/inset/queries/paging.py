"""Server-side paging of a read query (``pagination: offset``, docs/queries.md).

A paginated query's SQL may use four server-supplied values:

``{{ paging.limit }}`` / ``{{ paging.offset }}``
    bind parameters (integers) for ``LIMIT … OFFSET …``;
``{{ paging.search }}``
    a bind parameter: the table's search text ('' when none);
``{{ paging.sort }}``
    the ``ORDER BY`` list: the column the user sorted by, quoted as an identifier for the
    resource's dialect, then the query's ``defaultSort`` as a tie-break; ``defaultSort``
    alone when the user sorted by nothing. The column must be one of the query's
    ``paging.sortColumns`` (derived at deploy time from the columns of the tables that
    page through the query): a client value never becomes SQL text.

The server also runs ``SELECT COUNT(*) FROM (<the SQL without the page limits>)`` to
answer ``totalRows``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from inset.errors import ValidationFailed

PAGINATION_MODES = ("offset",)
DEFAULT_LIMIT = 100
MAX_OFFSET = 1_000_000_000
MAX_SEARCH = 200
_COUNT_LIMIT = 2**62  # "no limit" inside the COUNT(*) wrapper
_PARAM = "$paging_"  # prefix of the synthetic params: not an identifier, so never an author's
_DECLARED = {
    f"{_PARAM}limit": {"type": "integer"},
    f"{_PARAM}offset": {"type": "integer"},
    f"{_PARAM}search": {"type": "string"},
}

Bind = Callable[..., tuple[dict[str, Any], list[Any]]]
Execute = Callable[[dict[str, Any], list[Any]], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class PageRequest:
    limit: int
    offset: int
    sort_key: str | None
    descending: bool
    search: str


def _invalid(field: str, message: str, code: str = "invalid_paging") -> ValidationFailed:
    return ValidationFailed(f"paging.{field}: {message}", code=code, field=f"paging.{field}")


def _integer(raw: dict[str, Any], key: str, default: int, low: int, high: int) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _invalid(key, f"must be a whole number from {low} to {high}")
    return value


def page_request(query: dict[str, Any], raw: Any, max_rows: int) -> PageRequest:
    """Check the client's ``paging`` object: ``{limit, offset, sort: {key, direction},
    search}``, every key optional. A limit above ``max_rows`` is cut to it."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ValidationFailed("paging must be an object", code="invalid_paging", field="paging")
    unknown = sorted(set(raw) - {"limit", "offset", "sort", "search"})
    if unknown:
        raise _invalid(unknown[0], "unknown key (use limit, offset, sort, search)")
    limit = min(_integer(raw, "limit", DEFAULT_LIMIT, 1, 10_000_000), max_rows)
    offset = _integer(raw, "offset", 0, 0, MAX_OFFSET)
    search = raw.get("search") or ""
    if not isinstance(search, str) or len(search) > MAX_SEARCH:
        raise _invalid("search", f"must be text of at most {MAX_SEARCH} characters")
    sort = raw.get("sort")
    sort_key: str | None = None
    descending = False
    if sort is not None:
        if not isinstance(sort, dict) or not isinstance(sort.get("key"), str):
            raise _invalid("sort", "must be {key, direction} or null")
        allowed = (query.get("paging") or {}).get("sortColumns") or []
        if sort["key"] not in allowed:
            shown = sort["key"][:100]
            raise _invalid(
                "sort.key",
                f"'{shown}' is not a sortable column of this query "
                f"(sortable: {', '.join(allowed) or 'none'})",
                code="invalid_sort",
            )
        direction = sort.get("direction", "asc")
        if direction not in ("asc", "desc"):
            raise _invalid("sort.direction", "must be asc or desc")
        sort_key, descending = sort["key"], direction == "desc"
    return PageRequest(limit, offset, sort_key, descending, search)


def quote_identifier(name: str, dialect: str) -> str:
    """``name`` as a quoted identifier: backticks for MySQL/MariaDB, else double quotes."""
    quote = "`" if dialect == "mysql" else '"'
    return quote + name.replace(quote, quote * 2) + quote


def order_by(query: dict[str, Any], page: PageRequest, dialect: str) -> str:
    """What ``{{ paging.sort }}`` renders to (never text from the client)."""
    default = str((query.get("paging") or {}).get("defaultSort") or "1")
    if page.sort_key is None:
        return default
    direction = "DESC" if page.descending else "ASC"
    return f"{quote_identifier(page.sort_key, dialect)} {direction}, {default}"


def splice(compiled: dict[str, Any], sort_sql: str) -> dict[str, Any]:
    """``compiled`` with its paging bindings resolved: sort as text, the rest as synthetic
    params (``$paging_limit`` …, which no author's param name can be)."""
    parts: list[str] = list(compiled.get("parts") or [""])
    bindings: list[Any] = list(compiled.get("bindings") or [])
    out_parts = [parts[0]]
    out_bindings: list[Any] = []
    for binding, following in zip(bindings, parts[1:], strict=False):
        field = binding.get("paging") if isinstance(binding, dict) else None
        if field == "sort":
            out_parts[-1] += sort_sql + following
            continue
        out_bindings.append({"param": _PARAM + field} if isinstance(field, str) else binding)
        out_parts.append(following)
    return {"parts": out_parts, "bindings": out_bindings}


def count_wrapper(compiled: dict[str, Any]) -> dict[str, Any]:
    """``SELECT COUNT(*) FROM (<compiled>) AS inset_count`` (a trailing ``;`` dropped)."""
    parts = list(compiled["parts"])
    # Author-written SQL (deploy time) in a fixed wrapper; values stay bind parameters.
    parts[0] = "SELECT COUNT(*) AS inset_total FROM (\n" + parts[0]  # noqa: S608
    parts[-1] = parts[-1].rstrip().rstrip(";") + "\n) AS inset_count"
    return {"parts": parts, "bindings": compiled["bindings"]}


async def run_paged(
    name: str,
    query: dict[str, Any],
    raw_paging: Any,
    *,
    declared: dict[str, dict[str, Any]],
    values: dict[str, Any],
    current_user: dict[str, Any],
    dialect: str,
    max_rows: int,
    bind: Bind,
    execute: Execute,
) -> dict[str, Any]:
    """Run one page of query ``name`` and count all its rows.

    Returns the read result plus ``totalRows`` and ``paging: {limit, offset}``."""
    page = page_request(query, raw_paging, max_rows)
    compiled = query.get("compiled")
    if not isinstance(compiled, dict):
        compiled = {}
    all_declared = {**declared, **_DECLARED}
    page_values = {
        **values,
        f"{_PARAM}limit": page.limit,
        f"{_PARAM}offset": page.offset,
        f"{_PARAM}search": page.search,
    }
    spliced = splice(compiled, order_by(query, page, dialect))
    sql, bound = bind(name, spliced, all_declared, page_values, current_user)
    result = await execute(sql, bound)
    count_values = {**page_values, f"{_PARAM}limit": _COUNT_LIMIT, f"{_PARAM}offset": 0}
    sql, bound = bind(name, count_wrapper(spliced), all_declared, count_values, current_user)
    counted = await execute(sql, bound)
    rows = counted.get("rows") or [{}]
    total = next(iter(rows[0].values()), 0) if rows and isinstance(rows[0], dict) else 0
    result["totalRows"] = int(total or 0)
    result["paging"] = {"limit": page.limit, "offset": page.offset}
    return result
