"""Compile ``{{ … }}`` in an app's SQL into bind parameters, once, at deploy time.

The result is ``{"parts": [...], "bindings": [...]}`` (see docs/architecture.md). Values
never enter SQL text: each connector renders the parts with its own placeholder.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

from inset.queries.files import FILE_FIELDS

USER_FIELDS = ("externalIdentifier", "email", "firstName", "lastName", "groups", "metadata")
PAGING_FIELDS = ("limit", "offset", "sort", "search")  # {{ paging.X }}: inset.queries.paging
_REFERENCE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


class SqlCompileError(ValueError):
    """A ``{{ }}`` in SQL that cannot become a bind parameter; ``offset`` is in the SQL text."""

    def __init__(self, message: str, offset: int, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.hint = hint


def _is_file(params: Collection[str], name: str) -> bool:
    if not isinstance(params, Mapping):
        return False
    decl = params.get(name)
    return isinstance(decl, Mapping) and decl.get("type") == "file"


def _binding_for(
    reference: str, params: Collection[str], offset: int, paging: bool = False
) -> dict[str, Any]:
    if not _REFERENCE.match(reference):
        raise SqlCompileError(
            f"'{{{{ {reference} }}}}' is not a parameter name: SQL may only reference a "
            "declared param or current_user.*",
            offset,
            hint="move the expression into the param's `value` and use {{ param }} here",
        )
    path = reference.split(".")
    if path[0] == "current_user":
        if len(path) < 2 or path[1] not in USER_FIELDS:
            raise SqlCompileError(
                f"unknown current_user field in '{reference}'",
                offset,
                hint="use one of: " + ", ".join(f"current_user.{f}" for f in USER_FIELDS),
            )
        if path[1] == "metadata" and len(path) < 3:
            raise SqlCompileError(
                "current_user.metadata needs a key, e.g. current_user.metadata.supplierId", offset
            )
        if path[1] != "metadata" and len(path) > 2:
            raise SqlCompileError(f"current_user.{path[1]} has no fields", offset)
        return {"user": path[1:]}
    if path[0] == "paging" and "paging" not in params:
        if not paging:
            raise SqlCompileError(
                f"'{{{{ {reference} }}}}' needs server-side paging on this query",
                offset,
                hint="add pagination: offset to the query (docs/queries.md, Server-side paging)",
            )
        if len(path) != 2 or path[1] not in PAGING_FIELDS:
            raise SqlCompileError(
                f"unknown paging field in '{reference}'",
                offset,
                hint="use one of: " + ", ".join(f"paging.{f}" for f in PAGING_FIELDS),
            )
        return {"paging": path[1]}
    if len(path) == 1 and path[0] in params:
        return {"param": path[0]}
    if len(path) == 2 and _is_file(params, path[0]):
        if path[1] not in FILE_FIELDS:
            raise SqlCompileError(
                f"a file param has no field '{path[1]}'",
                offset,
                hint="use one of: " + ", ".join(f"{path[0]}.{f}" for f in FILE_FIELDS),
            )
        return {"param": path[0], "field": path[1]}
    raise SqlCompileError(
        f"'{reference}' is not a declared param of this query",
        offset,
        hint="declare it under params: with a type (declared: "
        f"{', '.join(sorted(params)) or 'none'})",
    )


def compile_sql(sql: str, params: Collection[str], *, paging: bool = False) -> dict[str, Any]:
    """Split ``sql`` at each ``{{ ref }}`` into parts and bindings.

    ``params`` are the declared param names, or the declarations (a mapping): then
    ``{{ doc.name }}`` (a field of a ``type: file`` param, see ``inset.queries.files``)
    compiles to ``{"param": "doc", "field": "name"}``.

    ``paging``: the query has ``pagination: offset``, so ``{{ paging.limit }}`` and its
    siblings become ``{"paging": FIELD}`` bindings (resolved by inset.queries.paging).

    Raises SqlCompileError for a reference that is not a declared param or a
    ``current_user`` path, for ``{{`` inside a quoted string or comment (it would not be
    a bind parameter there), and for an unclosed ``{{``.
    """
    parts: list[str] = []
    bindings: list[dict[str, Any]] = []
    current: list[str] = []
    i, n = 0, len(sql)
    quote: str | None = None  # ', " or ` while inside a quoted literal/identifier
    comment: str | None = None  # "--" or "/*"
    while i < n:
        ch = sql[i]
        pair = sql[i : i + 2]
        if comment == "--":
            if ch == "\n":
                comment = None
        elif comment == "/*":
            if pair == "*/":
                comment = None
                current.append(pair)
                i += 2
                continue
        elif quote is not None:
            if ch == quote:
                if sql[i + 1 : i + 2] == quote:  # doubled quote escapes itself
                    current.append(pair)
                    i += 2
                    continue
                quote = None
        elif ch in ("'", '"', "`"):
            quote = ch
        elif pair == "--":
            comment = "--"
        elif pair == "/*":
            comment = "/*"
        elif pair == "{{":
            end = sql.find("}}", i + 2)
            if end < 0:
                raise SqlCompileError("'{{' is never closed with '}}'", i)
            bindings.append(_binding_for(sql[i + 2 : end].strip(), params, i, paging))
            parts.append("".join(current))
            current = []
            i = end + 2
            continue
        if pair == "{{" and (quote is not None or comment is not None):
            where = "a quoted string" if quote is not None else "a comment"
            raise SqlCompileError(
                f"'{{{{' inside {where} would not be a bind parameter",
                i,
                hint="put {{ param }} outside quotes, e.g. '%' || {{ search }} || '%'",
            )
        current.append(ch)
        i += 1
    parts.append("".join(current))
    return {"parts": parts, "bindings": bindings}


def render(compiled: dict[str, Any], placeholder: str, escape_percent: bool) -> str:
    """SQL text for a driver: ``placeholder`` between parts; ``%`` doubled for format-style
    drivers (psycopg, aiomysql)."""
    parts: list[str] = compiled["parts"]
    if escape_percent:
        parts = [p.replace("%", "%%") for p in parts]
    return placeholder.join(parts)


def line_and_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of ``offset`` in ``text``."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column
