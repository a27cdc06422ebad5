"""Deploy-time SQL analysis: does a query parse for its resource's dialect?

Analysis only (sqlglot never rewrites or runs anything). ``sql_problems`` substitutes
every ``{{ }}`` binding with a neutral literal ``(NULL)`` (it has no newline, so line
numbers stay those of the author's SQL) and parses the result with the resource's
dialect. It reports a problem only when sqlglot is *confident* (docs/queries.md, "The SQL
parse check"):

* an unterminated string, quoted identifier or comment (the tokenizer fails);
* a statement that starts with a keyword sqlglot fully parses (SELECT, WITH, INSERT,
  UPDATE, DELETE, VALUES, TABLE) and fails to parse, **unless** the same text parses once
  vendor operators sqlglot may not know (``<#>``, ``|/``, ``@``, …) are replaced by ``+``
  — a failure near such an operator is sqlglot's gap, not the author's mistake.

Anything else (``SHOW``, ``EXPLAIN``, ``PRAGMA``, vendor statements) is left to the
database at run time.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlglot
from sqlglot.errors import ParseError, TokenError

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from inset.apps.loader import Issue
    from inset.apps.validation import ValidatedApp

# sqlglot logs a warning for statements it falls back to parsing as a plain command.
logging.getLogger("sqlglot").setLevel(logging.ERROR)

DIALECTS: dict[str, str] = {"postgres": "postgres", "mysql": "mysql", "sqlite": "sqlite"}
"""Resource type → sqlglot dialect. REST resources have no SQL."""

NEUTRAL_LITERAL = "(NULL)"
_JUDGED_FIRST_WORDS = frozenset({"select", "with", "insert", "update", "delete", "values", "table"})
_FIRST_WORD = re.compile(r"[A-Za-z]+")
_OPERATOR_RUN = re.compile(r"[-+*/<>=~!@#%^&|?]+")
_COMMON_OPERATORS = frozenset(
    {"=", "<", ">", "<=", ">=", "<>", "!=", "+", "-", "*", "/", "%", "||", "->", "->>"}
)
_MAX_MESSAGE = 200


def _text(sql: str | dict[str, Any]) -> str:
    """SQL text: as given, or a compiled query's parts joined by the neutral literal."""
    if isinstance(sql, str):
        return sql
    parts = sql.get("parts")
    if not isinstance(parts, list) or not all(isinstance(p, str) for p in parts):
        raise ValueError("compiled SQL must have a list of text parts")
    return NEUTRAL_LITERAL.join(parts)


def _strip_comments(sql: str) -> str:
    """The text without leading whitespace and comments (for the first keyword)."""
    text = sql.lstrip()
    while text.startswith(("--", "/*", "#")):
        if text.startswith("/*"):
            end = text.find("*/")
            text = "" if end < 0 else text[end + 2 :]
        else:
            end = text.find("\n")
            text = "" if end < 0 else text[end + 1 :]
        text = text.lstrip()
    return text


def _first_word(sql: str) -> str:
    text = _strip_comments(sql).lstrip("(").lstrip()
    match = _FIRST_WORD.match(text)
    return match.group(0).lower() if match else ""


def _neutralise_operators(sql: str) -> str:
    def swap(match: re.Match[str]) -> str:
        run = match.group(0)
        if run in _COMMON_OPERATORS or run.startswith(("--", "/*")) or run.endswith("*/"):
            return run
        return "+"

    return _OPERATOR_RUN.sub(swap, sql)


def _parses(sql: str, dialect: str) -> bool:
    try:
        sqlglot.parse(sql, read=dialect)
    except (ParseError, TokenError):
        return False
    return True


def _clean(message: str) -> str:
    # sqlglot underlines with ANSI escapes; keep the first line, without them.
    message = re.sub(r"\x1b\[[0-9;]*m", "", message).split("\n")[0].strip()
    return message[:_MAX_MESSAGE]


def sql_problems(sql: str | dict[str, Any], dialect: str) -> list[tuple[int, str]]:
    """``[(line, message)]`` for SQL that certainly does not parse for ``dialect``
    (``postgres``, ``mysql`` or ``sqlite``; a resource type is accepted too); ``[]``
    when it parses or sqlglot cannot tell. ``sql`` is SQL text or a compiled query
    (``{"parts": [...], ...}``); lines are 1-based lines of that SQL."""
    read = DIALECTS.get(dialect, dialect)
    text = _text(sql)
    if not text.strip():
        return [(1, "the SQL is empty")]
    try:
        sqlglot.parse(text, read=read)
    except TokenError as exc:
        # Unterminated string/comment: the tokenizer cannot go on; it names no line.
        return [(_token_error_line(text, str(exc)), f"cannot be read: {_clean(str(exc))}")]
    except ParseError as exc:
        if _first_word(text) not in _JUDGED_FIRST_WORDS:
            return []
        if _parses(_neutralise_operators(text), read):
            return []  # fails only at an operator sqlglot may not know
        first = exc.errors[0] if exc.errors else {}
        line = first.get("line")
        description = first.get("description") or _clean(str(exc))
        near = _clean(str(first.get("highlight") or ""))
        where = f" near '{near[:40]}'" if near else ""
        return [(line if isinstance(line, int) and line > 0 else 1, f"{description}{where}")]
    return []


def _token_error_line(text: str, message: str) -> int:
    # "Error tokenizing '…context…'": the context is the text just before the failure.
    match = re.search(r"Error tokenizing '(.*)'", message, re.DOTALL)
    if match:
        tail = match.group(1)[-40:]
        found = text.rfind(tail) if tail else -1
        if found >= 0:
            return text.count("\n", 0, found + len(tail) - 1) + 1
    return 1


# -- deploy ---------------------------------------------------------------------------


def _sql_file(app: ValidatedApp, sql: str) -> str | None:
    """The app-relative path of the .sql file whose text is ``sql``, if any."""
    try:
        for path in sorted(Path(app.directory).rglob("*.sql")):
            if path.is_file() and path.read_text(encoding="utf-8") == sql:
                return path.relative_to(app.directory).as_posix()
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return None


async def deploy_sql_issues(session: AsyncSession, apps: Sequence[ValidatedApp]) -> list[Issue]:
    """Issues for queries whose SQL does not parse for their resource's dialect (every
    environment's type of that resource is checked). Called by apps.validation's
    ``check_database``; a query in a .sql file is reported at that file's line."""
    from sqlalchemy import select

    from inset.apps.loader import Issue
    from inset.resources.models import Resource

    rows = await session.execute(select(Resource.name, Resource.type).distinct())
    types: dict[str, set[str]] = {}
    for name, type_ in rows:
        types.setdefault(name, set()).add(type_)
    issues: list[Issue] = []
    for app in apps:
        refs = iter(app.resource_refs)  # one per SQL/REST query, in file order
        for name, query in app.queries.items():
            if query.get("kind") == "parent":
                continue
            ref = next(refs, None)
            compiled = query.get("compiled")
            sql = query.get("sql")
            if ref is None or not isinstance(compiled, dict) or not isinstance(sql, str):
                continue
            for type_ in sorted(types.get(str(query.get("resource")), ())):
                if type_ not in DIALECTS:
                    continue
                for line, message in sql_problems(compiled, type_):
                    hint = (
                        "fix the SQL; if it is valid for the database, report the "
                        "statement (the parse check ignores syntax it does not know)"
                    )
                    relative = _sql_file(app, sql)
                    text = f"query '{name}': the SQL does not parse as {type_}: {message}"
                    if relative is not None:
                        file = f"{app.display.rstrip('/')}/{relative}"
                        issues.append(Issue(file, line, text, hint))
                    else:
                        text += f" (line {line} of its SQL)"
                        issues.append(Issue(ref.file, ref.line, text, hint))
    return issues
