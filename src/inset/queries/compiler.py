"""Compile ``{{ … }}`` in an app's SQL into bind parameters, once, at deploy time.

The result is ``{"parts": [...], "bindings": [...]}`` (see docs/architecture.md). Values
never enter SQL text: each connector renders the parts with its own placeholder.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

USER_FIELDS = ("externalIdentifier", "email", "firstName", "lastName", "groups", "metadata")
_REFERENCE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


class SqlCompileError(ValueError):
    """A ``{{ }}`` in SQL that cannot become a bind parameter; ``offset`` is in the SQL text."""

    def __init__(self, message: str, offset: int, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.hint = hint


def _binding_for(reference: str, params: Collection[str], offset: int) -> dict[str, Any]:
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
    if len(path) == 1 and path[0] in params:
        return {"param": path[0]}
    raise SqlCompileError(
        f"'{reference}' is not a declared param of this query",
        offset,
        hint="declare it under params: with a type (declared: "
        f"{', '.join(sorted(params)) or 'none'})",
    )


def compile_sql(sql: str, params: Collection[str]) -> dict[str, Any]:
    """Split ``sql`` at each ``{{ ref }}`` into parts and bindings.

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
            bindings.append(_binding_for(sql[i + 2 : end].strip(), params, i))
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
