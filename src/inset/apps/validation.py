"""Validating app folders: every problem is reported, each with file, line and a hint.

``validate_app_dir`` and ``validate_apps_root`` need no database. ``check_database`` adds
the checks that do (groups and resources must exist); deploy always runs them and
``inset validate --database`` asks for them.
"""

from __future__ import annotations

import difflib
import re
import uuid as uuid_module
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from inset.access.service import LEVELS
from inset.apps import storage
from inset.apps.components import (
    ACTIONS,
    COMMON_PROPS,
    COMPONENTS,
    CSS_COLOR_NAMES,
    FIELD_PROPS,
    FIELD_TYPES,
    GLOBALS,
    IDENTIFIER_PATTERN,
    QUERY_STATE,
    TARGET_KINDS,
    THEME,
    THEME_PATTERNS,
    Spec,
    settable_state,
)
from inset.apps.expressions import ExpressionError, parse_template, template_references
from inset.apps.loader import AppFolder, Issue, PathKey, YamlDoc, path_problem
from inset.queries.analysis import deploy_sql_issues
from inset.queries.compiler import SqlCompileError, compile_sql, line_and_column
from inset.queries.paging import PAGINATION_MODES
from inset.queries.params import declaration_errors
from inset.queries.rest import REST_QUERY_KEYS, compile_rest, is_rest_query

__all__ = [
    "AppsCheck",
    "Issue",
    "ValidatedApp",
    "check_app_dir",
    "check_apps_root",
    "check_database",
    "is_app_dir",
    "origin_problem",
    "parse_version",
    "validate_app_dir",
    "validate_apps_root",
]

APP_KEYS = ("uuid", "name", "version", "access", "embed", "theme", "pages", "queries")
PAGE_KEYS = ("title", "components")
QUERY_KINDS = ("read", "write", "parent")
SQL_QUERY_KEYS = (
    "kind",
    "resource",
    "sql",
    "params",
    "trigger",
    "allowedGroups",
    "pagination",
    "defaultSort",
)
PARENT_QUERY_KEYS = ("kind", "selector")
# Param declarations: the same types and keys as inset.queries.params, which checks them
# again at run time (declaration_errors is also applied here, as a backstop).
PARAM_TYPES = (
    "string", "integer", "number", "boolean", "date", "datetime", "json", "array", "file"
)  # fmt: skip
SCALAR_PARAM_TYPES = ("string", "integer", "number", "boolean", "date", "datetime")
PARAM_KEYS: dict[str, tuple[str, ...]] = {
    "string": ("minLength", "maxLength", "pattern", "enum"),
    "integer": ("min", "max", "enum"),
    "number": ("min", "max", "enum"),
    "boolean": (),
    "date": ("enum",),
    "datetime": (),
    "json": (),
    "array": ("items", "minItems", "maxItems"),
    "file": ("maxBytes", "accept"),
}
PARAM_COMMON_KEYS = ("type", "value", "nullable", "required", "default", "secret")
PARAM_ITEM_KEYS = ("type", "nullable")
ACCESS_LEVELS = tuple(level for level in LEVELS if level != "none")
MAX_PAGES = 100
MAX_QUERIES = 500
NAME_MAX = 200
SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
PAGE_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")
IDENTIFIER = re.compile(IDENTIFIER_PATTERN)
SEMVER = re.compile(r"^(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})$")
# Names that would collide with the expression globals or with JavaScript object internals.
RESERVED_NAMES = frozenset(
    {*GLOBALS, "current_user", "__proto__", "constructor", "prototype", "hasOwnProperty"}
)
PAGED_DATA = re.compile(r"^\{\{\s*queries\.([A-Za-z_][A-Za-z0-9_]*)\.data\s*\}\}$")
DEFAULT_SORT_PATTERN = re.compile(
    r"^\s*[A-Za-z_][A-Za-z0-9_.]*(\s+(?i:asc|desc))?"
    r"(\s*,\s*[A-Za-z_][A-Za-z0-9_.]*(\s+(?i:asc|desc))?)*\s*$"
)
READ_ONLY_FIRST_WORDS = frozenset({"select", "with", "values", "table", "show", "explain"})
WRITE_FIRST_WORDS = frozenset(
    {
        "insert", "update", "delete", "merge", "upsert", "replace", "create", "drop", "alter",
        "truncate", "grant", "revoke", "call", "exec", "execute", "copy", "attach", "detach",
        "vacuum", "lock", "set",
    }
)  # fmt: skip
DEFAULT_PORTS = {"http": 80, "https": 443}
LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]")


def parse_version(version: str) -> tuple[int, int, int] | None:
    """``(major, minor, patch)`` of a ``MAJOR.MINOR.PATCH`` version, None if it is not one."""
    match = SEMVER.match(version)
    if match is None:
        return None
    return int(match[1]), int(match[2]), int(match[3])


def origin_problem(value: str) -> str | None:
    """Why ``value`` is not an exact origin ``scheme://host[:port]``, or None."""
    if "*" in value:
        return "wildcards are not allowed: list each origin"
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return "not a valid URL origin"
    if parts.scheme not in DEFAULT_PORTS:
        return "an origin starts with https:// (or http:// for local development)"
    if not parts.hostname or parts.username is not None or parts.password is not None:
        return "an origin is scheme://host[:port]"
    if parts.path or parts.query or parts.fragment or value.endswith(("?", "#")):
        return "an origin has no path, query or fragment (not even a trailing '/')"
    if parts.netloc != parts.netloc.lower() or parts.scheme != value.split(":", 1)[0]:
        return "write origins in lowercase, as browsers send them"
    if not re.match(
        r"^[a-z0-9.-]+$|^\[[0-9a-f:.]+\]$",
        parts.netloc.rsplit(":", 1)[0] if port is not None else parts.netloc,
    ):
        return "the host has characters an origin cannot have"
    if port is not None and port == DEFAULT_PORTS[parts.scheme]:
        return f"browsers send {parts.scheme} origins without :{port}"
    return None


def _closest(word: str, candidates: Iterable[str]) -> str | None:
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return matches[0] if matches else None


def _did_you_mean(word: str, candidates: Iterable[str], fallback: str | None = None) -> str | None:
    candidates = list(candidates)
    best = _closest(word, candidates)
    if best is not None:
        return f"did you mean '{best}'?"
    return fallback


def _one_of(values: Iterable[str]) -> str:
    return "one of: " + ", ".join(values)


def _is_template(value: Any) -> bool:
    return isinstance(value, str) and "{{" in value


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "a mapping"


def _looks_like_sql_path(sql: str) -> bool:
    text = sql.strip()
    return (
        bool(text)
        and not any(c.isspace() for c in text)
        and (text.endswith(".sql") or "/" in text or "\\" in text)
    )


def _first_word(sql: str) -> str:
    text = sql
    while True:
        text = text.lstrip()
        if text.startswith("--"):
            text = text.split("\n", 1)[1] if "\n" in text else ""
        elif text.startswith("/*"):
            end = text.find("*/")
            text = text[end + 2 :] if end >= 0 else ""
        else:
            break
    match = re.match(r"[A-Za-z]+", text)
    return match[0].lower() if match else ""


@dataclass(frozen=True)
class Ref:
    """A name used somewhere in the files, kept for the database checks."""

    name: str
    file: str
    line: int


@dataclass
class ValidatedApp:
    """An app whose files passed validation, ready to become a bundle."""

    directory: Path
    display: str
    slug: str
    uuid: str
    name: str
    version: str | None
    access: list[dict[str, str]]
    embed: dict[str, Any]
    theme: dict[str, Any]
    pages: list[dict[str, Any]]
    queries: dict[str, dict[str, Any]]
    app_file: str
    uuid_line: int
    version_line: int
    group_refs: list[Ref] = field(default_factory=list)
    resource_refs: list[Ref] = field(default_factory=list)


@dataclass
class AppsCheck:
    """The outcome of checking an apps folder: the valid apps and every issue found."""

    apps: list[ValidatedApp]
    issues: list[Issue]

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]


@dataclass(frozen=True)
class _Template:
    doc: YamlDoc
    path: PathKey
    text: str
    where: str  # "page" or "param"


@dataclass(frozen=True)
class _Target:
    doc: YamlDoc
    path: PathKey
    kind: str
    value: str


class _AppValidator:
    """Checks one app folder; collects issues instead of stopping at the first."""

    def __init__(self, folder: AppFolder) -> None:
        self.folder = folder
        self.issues: list[Issue] = []
        self.query_kinds: dict[str, str] = {}
        self.page_names: list[str] = []
        self.ids: dict[str, tuple[str, str, int]] = {}  # id -> (type, file, line)
        self.form_fields: dict[str, list[str]] = {}  # form id -> field names
        self.templates: list[_Template] = []
        self.targets: list[_Target] = []
        self.paged_tables: list[tuple[YamlDoc, PathKey, dict[str, Any]]] = []
        self.group_refs: list[Ref] = []
        self.resource_refs: list[Ref] = []

    # -- reporting ---------------------------------------------------------------------

    def error(
        self,
        doc: YamlDoc,
        path: PathKey,
        message: str,
        hint: str | None = None,
        *,
        key: bool = False,
    ) -> None:
        line = doc.key_line(path) if key else doc.line(path)
        self.issues.append(Issue(doc.file, line, message, hint))

    def warn(self, doc: YamlDoc, path: PathKey, message: str, hint: str | None = None) -> None:
        self.issues.append(Issue(doc.file, doc.key_line(path), message, hint, "warning"))

    def unknown_keys(
        self,
        doc: YamlDoc,
        path: PathKey,
        mapping: dict[str, Any],
        allowed: Sequence[str],
        what: str,
    ) -> None:
        for key in mapping:
            if key not in allowed:
                hint = _did_you_mean(key, allowed, _one_of(allowed))
                self.error(doc, (*path, key), f"unknown key '{key}' in {what}", hint, key=True)

    def expect_mapping(self, doc: YamlDoc, path: PathKey, value: Any, what: str) -> bool:
        if isinstance(value, dict):
            return True
        self.error(doc, path, f"{what} must be a mapping (key: value), not {_type_name(value)}")
        return False

    def expect_text(self, doc: YamlDoc, path: PathKey, value: Any, what: str) -> bool:
        if isinstance(value, str) and value.strip():
            return True
        hint = "quote it" if isinstance(value, bool | int | float) else None
        self.error(doc, path, f"{what} must be non-empty text, not {_type_name(value)}", hint)
        return False

    def check_identifier(self, doc: YamlDoc, path: PathKey, value: Any, what: str) -> bool:
        if not isinstance(value, str) or not IDENTIFIER.match(value):
            self.error(
                doc,
                path,
                f"{what} '{value}' is not a valid name",
                "use letters, digits and _ , starting with a letter (e.g. stockTable)",
                key=isinstance(value, str) and path[-1] == value,
            )
            return False
        if value in RESERVED_NAMES:
            self.error(doc, path, f"{what} '{value}' is reserved", "pick another name")
            return False
        return True

    # -- the app -----------------------------------------------------------------------

    def run(self) -> ValidatedApp | None:
        folder = self.folder
        app_file = folder.file_name("app.yaml")
        if not folder.exists("app.yaml"):
            self.issues.append(
                Issue(app_file, 1, "app.yaml not found", "create one with: inset app new DIR/NAME")
            )
            return None
        doc = folder.load_yaml("app.yaml")
        if doc is None or not isinstance(doc.data, dict):
            if doc is not None:
                self.expect_mapping(doc, (), doc.data, "app.yaml")
            self.check_pages_alone()
            return None
        if not SLUG_PATTERN.match(folder.slug) or _is_uuid(folder.slug):
            self.issues.append(
                Issue(
                    app_file,
                    1,
                    f"the folder name '{folder.slug}' is not a valid app slug",
                    "use lowercase letters, digits, - and _ (e.g. supplier-portal)",
                )
            )
        data = doc.data
        self.unknown_keys(doc, (), data, APP_KEYS, "app.yaml")
        app_uuid = self.check_uuid(doc, data)
        name = data.get("name")
        if "name" not in data:
            self.error(doc, (), "app.yaml has no name", "add: name: My app")
        elif self.expect_text(doc, ("name",), name, "name") and len(str(name)) > NAME_MAX:
            self.error(doc, ("name",), f"name is longer than {NAME_MAX} characters")
        version = self.check_version(doc, data)
        access = self.check_access(doc, data.get("access", []))
        embed = self.check_embed(doc, data.get("embed", {}))
        theme = self.check_theme(doc, data.get("theme", {}))
        queries = self.check_queries(doc, data.get("queries", {}))
        self.check_page_list(doc, data)
        pages = [self.check_page(doc, page) for page in self.page_names]
        self.check_unlisted_pages()
        self.check_deferred()
        self.check_paged_tables(queries)
        if any(i.severity == "error" for i in [*self.issues, *folder.issues]):
            return None
        assert app_uuid is not None and isinstance(name, str)
        return ValidatedApp(
            directory=folder.directory,
            display=folder.display,
            slug=folder.slug,
            uuid=app_uuid,
            name=name,
            version=version,
            access=access,
            embed=embed,
            theme=theme,
            pages=[p for p in pages if p is not None],
            queries=queries,
            app_file=app_file,
            uuid_line=doc.line(("uuid",)),
            version_line=doc.line(("version",)),
            group_refs=self.group_refs,
            resource_refs=self.resource_refs,
        )

    def check_pages_alone(self) -> None:
        """app.yaml is unreadable: still check each page file on its own (no references)."""
        placeholder = YamlDoc(self.folder.file_name("app.yaml"), {})
        for file in self.folder.list_files("pages", (".yaml", ".yml")):
            name = file.rsplit(".", 1)[0]
            if PAGE_NAME_PATTERN.match(name):
                self.check_page(placeholder, name)

    def check_uuid(self, doc: YamlDoc, data: dict[str, Any]) -> str | None:
        if "uuid" not in data:
            self.error(doc, (), "app.yaml has no uuid", "add: uuid: " + str(uuid_module.uuid4()))
            return None
        value = data["uuid"]
        if isinstance(value, str) and _is_uuid(value):
            return value.lower()
        self.error(
            doc,
            ("uuid",),
            f"uuid '{value}' is not a UUID",
            "use a fresh one, e.g. " + str(uuid_module.uuid4()),
        )
        return None

    def check_version(self, doc: YamlDoc, data: dict[str, Any]) -> str | None:
        if "version" not in data:
            return None
        value = data["version"]
        if isinstance(value, str) and parse_version(value) is not None:
            return value
        hint = 'quote it, e.g. version: "1.2.0"' if isinstance(value, int | float) else None
        self.error(
            doc,
            ("version",),
            f"version '{value}' is not a MAJOR.MINOR.PATCH version",
            hint or "e.g. 1.2.0, or leave it out to bump the patch on each deploy",
        )
        return None

    def check_access(self, doc: YamlDoc, value: Any) -> list[dict[str, str]]:
        path: PathKey = ("access",)
        if not isinstance(value, list):
            self.error(doc, path, "access must be a list of {group, level}")
            return []
        result: list[dict[str, str]] = []
        seen: dict[str, int] = {}
        for index, rule in enumerate(value):
            here = (*path, index)
            if not self.expect_mapping(doc, here, rule, "an access rule"):
                continue
            self.unknown_keys(doc, here, rule, ("group", "level"), "an access rule")
            group = rule.get("group")
            level = rule.get("level", "use")
            ok = True
            if isinstance(group, int) and not isinstance(group, bool):
                self.error(
                    doc, (*here, "group"), f"group {group} is an id", "name groups by their name"
                )
                ok = False
            elif not self.expect_text(doc, (*here, "group"), group, "group"):
                ok = False
            if level not in ACCESS_LEVELS:
                self.error(
                    doc,
                    (*here, "level"),
                    f"access level '{level}' is not valid",
                    _did_you_mean(str(level), ACCESS_LEVELS, _one_of(ACCESS_LEVELS)),
                )
                ok = False
            if ok:
                if group in seen:
                    self.error(
                        doc,
                        (*here, "group"),
                        f"group '{group}' is listed twice (first at line {seen[group]})",
                    )
                    continue
                seen[group] = doc.line((*here, "group"))
                result.append({"group": group, "level": level})
                self.group_refs.append(Ref(group, doc.file, doc.line((*here, "group"))))
        return result

    def check_embed(self, doc: YamlDoc, value: Any) -> dict[str, Any]:
        path: PathKey = ("embed",)
        if not self.expect_mapping(doc, path, value, "embed"):
            return {"parentOrigins": []}
        self.unknown_keys(doc, path, value, ("parentOrigins",), "embed")
        origins = value.get("parentOrigins", [])
        if not isinstance(origins, list):
            self.error(doc, (*path, "parentOrigins"), "parentOrigins must be a list of origins")
            return {"parentOrigins": []}
        result: list[str] = []
        for index, origin in enumerate(origins):
            here = (*path, "parentOrigins", index)
            if not self.expect_text(doc, here, origin, "a parent origin"):
                continue
            problem = origin_problem(origin)
            if problem is not None:
                self.error(
                    doc,
                    here,
                    f"'{origin}' is not an exact origin: {problem}",
                    "e.g. https://app.example.com or http://localhost:3000",
                )
            elif origin in result:
                self.error(doc, here, f"origin '{origin}' is listed twice")
            else:
                if origin.startswith("http://") and urlsplit(origin).netloc.split(":")[0] not in (
                    h.split(":")[0] for h in LOCAL_HOSTS
                ):
                    self.warn(
                        doc, here, f"'{origin}' is not https", "use https outside development"
                    )
                result.append(origin)
        return {"parentOrigins": result}

    def check_theme(self, doc: YamlDoc, value: Any) -> dict[str, Any]:
        path: PathKey = ("theme",)
        if not self.expect_mapping(doc, path, value, "theme"):
            return {}
        self.unknown_keys(doc, path, value, list(THEME), "theme")
        for key, item in value.items():
            spec = THEME.get(key)
            if spec is None:
                continue
            if spec["type"] == "string":
                pattern = THEME_PATTERNS[spec["pattern"]]
                bad_name = (
                    spec["pattern"] == "color"
                    and isinstance(item, str)
                    and item.isalpha()
                    and item.lower() not in CSS_COLOR_NAMES
                )
                if not isinstance(item, str) or not re.match(pattern, item) or bad_name:
                    self.error(
                        doc, (*path, key), f"theme {key} '{item}' is not a valid {spec['pattern']}"
                    )
            else:
                self.check_value(doc, (*path, key), item, spec, f"theme {key}")
        return dict(value)

    # -- queries -----------------------------------------------------------------------

    def check_queries(self, doc: YamlDoc, value: Any) -> dict[str, dict[str, Any]]:
        path: PathKey = ("queries",)
        if not self.expect_mapping(doc, path, value, "queries"):
            return {}
        if len(value) > MAX_QUERIES:
            self.error(doc, path, f"more than {MAX_QUERIES} queries")
        # Names first, so that queries may be referenced in any order.
        for name, spec in value.items():
            kind = spec.get("kind", "read") if isinstance(spec, dict) else "read"
            self.query_kinds[name] = kind if kind in QUERY_KINDS else "read"
        result: dict[str, dict[str, Any]] = {}
        for name, spec in value.items():
            here = (*path, name)
            if not self.check_identifier(doc, here, name, "query name"):
                continue
            if not self.expect_mapping(doc, here, spec, f"query '{name}'"):
                continue
            compiled = self.check_query(doc, here, name, spec)
            if compiled is not None:
                result[name] = compiled
        return result

    def check_query(
        self, doc: YamlDoc, path: PathKey, name: str, spec: dict[str, Any]
    ) -> dict[str, Any] | None:
        kind = spec.get("kind", "read")
        if kind not in QUERY_KINDS:
            self.error(
                doc,
                (*path, "kind"),
                f"query kind '{kind}' is not valid",
                _did_you_mean(str(kind), QUERY_KINDS, _one_of(QUERY_KINDS)),
            )
            return None
        if kind == "parent":
            self.unknown_keys(doc, path, spec, PARENT_QUERY_KEYS, f"parent query '{name}'")
            selector = spec.get("selector")
            if "selector" not in spec:
                self.error(
                    doc,
                    path,
                    f"parent query '{name}' has no selector",
                    "add: selector: customerId (the key the host page answers)",
                    key=True,
                )
                return None
            if not self.expect_text(doc, (*path, "selector"), selector, "selector"):
                return None
            return {"kind": "parent", "selector": selector}

        rest_query = is_rest_query(spec)  # REST: method/path/query/body (inset.queries.rest)
        keys = REST_QUERY_KEYS if rest_query else SQL_QUERY_KEYS
        self.unknown_keys(doc, path, spec, keys, f"query '{name}'")
        ok = True
        resource = spec.get("resource")
        if "resource" not in spec:
            self.error(
                doc,
                path,
                f"query '{name}' has no resource",
                "add: resource: NAME (a resource added with `inset resources add`)",
                key=True,
            )
            ok = False
        elif self.expect_text(doc, (*path, "resource"), resource, "resource"):
            self.resource_refs.append(Ref(str(resource), doc.file, doc.line((*path, "resource"))))
        else:
            ok = False

        default_trigger = "auto" if kind == "read" else "manual"
        trigger = spec.get("trigger", default_trigger)
        if trigger not in ("auto", "manual"):
            self.error(
                doc, (*path, "trigger"), f"trigger '{trigger}' is not valid", "auto or manual"
            )
            ok = False
        elif kind == "write" and trigger == "auto":
            self.error(
                doc,
                (*path, "trigger"),
                f"write query '{name}' cannot have trigger: auto",
                "writes run only from an action, e.g. on_click: [{run: NAME}]",
            )
            ok = False

        allowed = self.check_allowed_groups(doc, path, name, kind, spec)
        params = self.check_params(doc, (*path, "params"), spec.get("params", {}))
        if rest_query:  # REST query: compiled by inset.queries.rest (owned by queries/)
            if allowed is False or params is None:
                return None
            rest, problems = compile_rest(spec, set(params), kind)
            for key_, message in problems:
                where = (*path, key_) if key_ in spec else path
                self.error(doc, where, f"query '{name}': {message}")
            if rest is None or not ok:
                return None
            return {
                "kind": kind,
                "resource": resource,
                "trigger": trigger,
                "allowedGroups": allowed,
                "params": params,
                "rest": rest,
            }
        sql, sql_file, sql_path = self.load_sql(doc, path, name, spec)
        if allowed is False or params is None or sql is None:
            return None
        compiled: dict[str, Any] | None = None
        paging = self.check_pagination(doc, path, kind, spec)
        if paging is False:
            ok = False
        try:
            compiled = compile_sql(sql, params, paging=isinstance(paging, dict))
        except SqlCompileError as exc:
            if sql_file is not None:
                line = line_and_column(sql, exc.offset)[0]
                self.issues.append(Issue(sql_file, line, exc.message, exc.hint))
            else:
                line = doc.text_line(sql_path, sql, exc.offset)
                self.issues.append(Issue(doc.file, line, exc.message, exc.hint))
            ok = False
        first = _first_word(sql)
        if kind == "read" and first in WRITE_FIRST_WORDS:
            self.error(
                doc,
                sql_path,
                f"read query '{name}' starts with {first.upper()}",
                "set kind: write (with allowedGroups) for statements that change data",
            )
            ok = False
        if compiled is not None:
            used = {b["param"] for b in compiled["bindings"] if "param" in b}
            for param in params:
                if param not in used:
                    self.warn(
                        doc,
                        (*path, "params", param),
                        f"param '{param}' is not used in the SQL of query '{name}'",
                    )
        if isinstance(paging, dict) and compiled is not None:
            ok = self.check_paging_binds(doc, path, sql_path, name, spec, compiled, paging) and ok
        if not ok or compiled is None:
            return None
        result: dict[str, Any] = {
            "kind": kind,
            "resource": resource,
            "trigger": trigger,
            "allowedGroups": allowed,
            "params": params,
            "sql": sql,
            "compiled": compiled,
        }
        if isinstance(paging, dict):
            result["pagination"] = "offset"
            result["paging"] = paging
        return result

    # -- server-side paging (inset.queries.paging) ---------------------------------------

    def check_pagination(
        self, doc: YamlDoc, path: PathKey, kind: str, spec: dict[str, Any]
    ) -> dict[str, Any] | bool | None:
        """The query's paging settings (server-side paging), None without, False if bad."""
        if "pagination" not in spec:
            if "defaultSort" in spec:
                self.error(doc, (*path, "defaultSort"), "defaultSort needs pagination: offset")
                return False
            return None
        if spec["pagination"] not in PAGINATION_MODES:
            self.error(
                doc,
                (*path, "pagination"),
                f"pagination '{spec['pagination']}' is not valid",
                _one_of(PAGINATION_MODES),
            )
            return False
        if kind != "read":
            self.error(doc, (*path, "pagination"), "only read queries can be paginated")
            return False
        paging: dict[str, Any] = {"sortColumns": []}
        if "defaultSort" in spec:
            default = spec["defaultSort"]
            if not isinstance(default, str) or not DEFAULT_SORT_PATTERN.match(default):
                self.error(
                    doc,
                    (*path, "defaultSort"),
                    f"defaultSort '{default}' is not a list of columns",
                    "e.g. defaultSort: id, or created_at DESC, id",
                )
                return False
            paging["defaultSort"] = default
        return paging

    def check_paging_binds(
        self,
        doc: YamlDoc,
        path: PathKey,
        sql_path: PathKey,
        name: str,
        spec: dict[str, Any],
        compiled: dict[str, Any],
        paging: dict[str, Any],
    ) -> bool:
        used = {b["paging"] for b in compiled["bindings"] if "paging" in b}
        ok = True
        for needed in ("limit", "offset"):
            if needed not in used:
                self.error(
                    doc,
                    sql_path,
                    f"paginated query '{name}' never uses {{{{ paging.{needed} }}}}",
                    "end the SQL with: LIMIT {{ paging.limit }} OFFSET {{ paging.offset }}",
                )
                ok = False
        if "sort" in used and "defaultSort" not in spec:
            self.error(
                doc,
                path,
                f"query '{name}' uses {{{{ paging.sort }}}} but has no defaultSort",
                "add e.g. defaultSort: id (the ORDER BY when the user sorts by nothing)",
                key=True,
            )
            ok = False
        paging["sort"] = "sort" in used
        paging["search"] = "search" in used
        return ok

    def check_paged_tables(self, queries: dict[str, dict[str, Any]]) -> None:
        """Tables with paging: server: bound to a paginated query, with declared columns
        (their sortable keys become the query's sort whitelist)."""
        for doc, path, node in self.paged_tables:
            data = node.get("data")
            match = PAGED_DATA.match(data) if isinstance(data, str) else None
            if match is None:
                self.error(
                    doc,
                    (*path, "data"),
                    "a table with paging: server needs data: {{ queries.NAME.data }}",
                    "server paging pages through one query's rows",
                )
                continue
            name = match.group(1)
            query = queries.get(name)
            if query is None:
                continue  # an unknown or invalid query: reported where it is referenced
            if "pagination" not in query:
                self.error(
                    doc,
                    (*path, "paging"),
                    f"query '{name}' is not paginated",
                    "add pagination: offset to the query and use {{ paging.limit }} "
                    "and {{ paging.offset }} in its SQL",
                )
                continue
            columns = node.get("columns")
            if not isinstance(columns, list) or not columns:
                self.error(
                    doc,
                    (*path, "paging"),
                    "a table with paging: server needs columns:",
                    "the server sorts only by the columns the table declares",
                )
                continue
            paging = query["paging"]
            if node.get("searchable") is True and not paging.get("search"):
                self.error(
                    doc,
                    (*path, "searchable"),
                    f"query '{name}' never uses {{{{ paging.search }}}}",
                    "filter in its SQL, e.g. WHERE name LIKE '%' || {{ paging.search }} || '%'",
                )
            if node.get("sortable") is False or not paging.get("sort"):
                continue
            for column in columns:
                key = column.get("key") if isinstance(column, dict) else None
                sortable = isinstance(column, dict) and column.get("sortable") is not False
                if isinstance(key, str) and sortable and key not in paging["sortColumns"]:
                    paging["sortColumns"].append(key)

    def check_allowed_groups(
        self, doc: YamlDoc, path: PathKey, name: str, kind: str, spec: dict[str, Any]
    ) -> list[str] | bool | None:
        """The allowedGroups list, None when absent, False when invalid."""
        here = (*path, "allowedGroups")
        if "allowedGroups" not in spec:
            if kind == "write":
                self.error(
                    doc,
                    path,
                    f"write query '{name}' has no allowedGroups",
                    "writes are denied by default: add allowedGroups: [GROUP, …]",
                    key=True,
                )
                return False
            return None
        value = spec["allowedGroups"]
        if not isinstance(value, list):
            self.error(doc, here, "allowedGroups must be a list of group names")
            return False
        if not value and kind == "write":
            self.error(
                doc,
                here,
                f"write query '{name}' has an empty allowedGroups",
                "name at least one group",
            )
            return False
        if not value:
            self.warn(doc, here, f"allowedGroups of '{name}' is empty: no one may run it")
        groups: list[str] = []
        for index, group in enumerate(value):
            if not self.expect_text(doc, (*here, index), group, "a group name"):
                return False
            if group in groups:
                self.error(doc, (*here, index), f"group '{group}' is listed twice")
                return False
            groups.append(group)
            self.group_refs.append(Ref(group, doc.file, doc.line((*here, index))))
        return groups

    def load_sql(
        self, doc: YamlDoc, path: PathKey, name: str, spec: dict[str, Any]
    ) -> tuple[str | None, str | None, PathKey]:
        """(SQL text, the .sql file's display name if it came from one, YAML path of sql)."""
        here = (*path, "sql")
        if "sql" not in spec:
            self.error(
                doc,
                path,
                f"query '{name}' has no sql",
                "add: sql: queries/NAME.sql, or inline SQL with sql: |",
                key=True,
            )
            return None, None, here
        value = spec["sql"]
        if not self.expect_text(doc, here, value, "sql"):
            return None, None, here
        if not _looks_like_sql_path(value):
            return value, None, here
        relative = value.strip()
        problem = path_problem(relative)
        if problem is not None:
            self.error(doc, here, f"cannot read '{relative}': {problem}")
            return None, None, here
        if not relative.endswith(".sql"):
            self.error(doc, here, f"'{relative}' is not a .sql file", "sql files end with .sql")
            return None, None, here
        text = self.folder.read_text(relative, at=(doc.file, doc.line(here)))
        if text is None:
            return None, None, here
        if not text.strip():
            self.error(doc, here, f"{relative} is empty")
            return None, None, here
        return text, self.folder.file_name(relative), here

    def check_params(self, doc: YamlDoc, path: PathKey, value: Any) -> dict[str, Any] | None:
        if not self.expect_mapping(doc, path, value, "params"):
            return None
        ok = True
        for name, spec in value.items():
            here = (*path, name)
            if not self.check_identifier(doc, here, name, "param name"):
                ok = False
                continue
            if not self.expect_mapping(doc, here, spec, f"param '{name}'"):
                ok = False
                continue
            if "type" not in spec:
                self.error(
                    doc,
                    here,
                    f"param '{name}' has no type",
                    "add type: " + " | ".join(PARAM_TYPES),
                    key=True,
                )
                ok = False
                continue
            if self.check_param_spec(doc, here, name, spec, top=True):
                # The run-time checker must accept what validation accepts.
                for problem in declaration_errors({name: spec}):
                    self.error(doc, here, problem, key=True)
                    ok = False
            else:
                ok = False
            if "value" in spec:
                self.collect_templates(doc, (*here, "value"), spec["value"], "param")
            elif "default" not in spec:
                self.warn(
                    doc,
                    here,
                    f"param '{name}' has no value, so the browser never sends it",
                    'add value: "{{ component.value }}", or a default',
                )
        return dict(value) if ok else None

    def check_param_spec(
        self, doc: YamlDoc, path: PathKey, name: str, spec: dict[str, Any], *, top: bool
    ) -> bool:
        type_ = spec.get("type")
        types = PARAM_TYPES if top else SCALAR_PARAM_TYPES
        if not isinstance(type_, str) or type_ not in types:
            self.error(
                doc,
                (*path, "type"),
                f"param type '{type_}' is not valid",
                _did_you_mean(str(type_), types, _one_of(types)),
            )
            return False
        allowed = (PARAM_COMMON_KEYS if top else PARAM_ITEM_KEYS) + PARAM_KEYS[type_]
        before = len(self.issues)
        self.unknown_keys(doc, path, spec, allowed, f"param '{name}' ({type_})")
        ok = len(self.issues) == before
        for key in ("nullable", "required", "secret"):
            if key in spec and not isinstance(spec[key], bool):
                self.error(doc, (*path, key), f"{key} must be true or false")
                ok = False
        for key in ("minLength", "maxLength", "minItems", "maxItems"):
            if key in spec and (
                not isinstance(spec[key], int) or isinstance(spec[key], bool) or spec[key] < 0
            ):
                self.error(doc, (*path, key), f"{key} must be a whole number ≥ 0")
                ok = False
        if "pattern" in spec and not _is_regex(spec["pattern"]):
            self.error(doc, (*path, "pattern"), "pattern is not a valid regular expression")
            ok = False
        for key in ("min", "max"):
            if key in spec and not _matches_param_type(spec[key], type_):
                self.error(doc, (*path, key), f"{key} must be a {type_} value")
                ok = False
        if "enum" in spec:
            values = spec["enum"]
            if (
                not isinstance(values, list)
                or not values
                or not all(_matches_param_type(v, type_) for v in values)
            ):
                self.error(doc, (*path, "enum"), f"enum must be a non-empty list of {type_} values")
                ok = False
        if ok and "min" in spec and "max" in spec and spec["min"] > spec["max"]:
            self.error(doc, (*path, "min"), "min is greater than max")
            ok = False
        if type_ == "array":
            items = spec.get("items")
            if items is None:
                self.error(
                    doc,
                    path,
                    f"array param '{name}' has no items",
                    "add items: {type: string}",
                    key=True,
                )
                return False
            if not self.expect_mapping(doc, (*path, "items"), items, "items"):
                return False
            ok = self.check_param_spec(doc, (*path, "items"), name, items, top=False) and ok
        return ok

    # -- pages and components ----------------------------------------------------------

    def check_page_list(self, doc: YamlDoc, data: dict[str, Any]) -> None:
        if "pages" not in data:
            self.error(doc, (), "app.yaml has no pages", "add: pages: [main]")
            return
        pages = data["pages"]
        if not isinstance(pages, list) or not pages:
            self.error(doc, ("pages",), "pages must be a non-empty list of page names")
            return
        if len(pages) > MAX_PAGES:
            self.error(doc, ("pages",), f"more than {MAX_PAGES} pages")
            return
        for index, page in enumerate(pages):
            here: PathKey = ("pages", index)
            if not isinstance(page, str) or not PAGE_NAME_PATTERN.match(page):
                self.error(
                    doc,
                    here,
                    f"page name '{page}' is not valid",
                    "use letters, digits, - and _ (the file is pages/NAME.yaml)",
                )
            elif page in self.page_names:
                self.error(doc, here, f"page '{page}' is listed twice")
            else:
                self.page_names.append(page)

    def check_page(self, app_doc: YamlDoc, name: str) -> dict[str, Any] | None:
        listed_at = (app_doc.file, app_doc.line(("pages", self._page_index(app_doc, name))))
        relative = f"pages/{name}.yaml"
        if not self.folder.exists(relative) and self.folder.exists(f"pages/{name}.yml"):
            relative = f"pages/{name}.yml"
        if not self.folder.exists(relative):
            self.issues.append(
                Issue(
                    listed_at[0],
                    listed_at[1],
                    f"page '{name}' is listed but pages/{name}.yaml does not exist",
                    _did_you_mean_file(name, self.folder.list_files("pages", (".yaml", ".yml"))),
                )
            )
            return None
        doc = self.folder.load_yaml(relative, at=listed_at)
        if doc is None:
            return None
        data = doc.data
        if data is None:
            data = {}
        if not self.expect_mapping(doc, (), data, f"page '{name}'"):
            return None
        self.unknown_keys(doc, (), data, PAGE_KEYS, f"page '{name}'")
        title = data.get("title", name)
        if "title" in data:
            self.expect_text(doc, ("title",), title, "title")
        components = data.get("components", [])
        if not isinstance(components, list):
            self.error(doc, ("components",), "components must be a list")
            components = []
        self.check_components(doc, ("components",), components, in_form=False)
        self.collect_templates(doc, ("components",), components, "page")
        return {"name": name, "title": title, "components": components}

    @staticmethod
    def _page_index(app_doc: YamlDoc, name: str) -> int:
        pages = app_doc.data.get("pages", []) if isinstance(app_doc.data, dict) else []
        return pages.index(name) if isinstance(pages, list) and name in pages else 0

    def check_unlisted_pages(self) -> None:
        for file in self.folder.list_files("pages", (".yaml", ".yml")):
            stem = file.rsplit(".", 1)[0]
            if stem not in self.page_names:
                self.issues.append(
                    Issue(
                        self.folder.file_name(f"pages/{file}"),
                        1,
                        "page file is not listed in app.yaml pages, so it is not deployed",
                        f"add {stem} to pages: in app.yaml, or delete the file",
                        "warning",
                    )
                )

    def check_components(self, doc: YamlDoc, path: PathKey, value: Any, *, in_form: bool) -> None:
        what = "fields" if in_form else "children"
        if not isinstance(value, list):
            self.error(doc, path, f"{what} must be a list of components")
            return
        names: dict[str, int] = {}
        for index, component in enumerate(value):
            here = (*path, index)
            self.check_component(doc, here, component, in_form=in_form)
            if in_form and isinstance(component, dict) and isinstance(component.get("name"), str):
                field_name = component["name"]
                if field_name in names:
                    self.error(
                        doc,
                        (*here, "name"),
                        f"field name '{field_name}' is used twice in this form "
                        f"(first at line {names[field_name]})",
                    )
                else:
                    names[field_name] = doc.line((*here, "name"))

    def check_component(self, doc: YamlDoc, path: PathKey, node: Any, *, in_form: bool) -> None:
        if not isinstance(node, dict):
            self.error(
                doc, path, f"a component must be a mapping {{id, type, …}}, not {_type_name(node)}"
            )
            return
        type_ = node.get("type")
        if "type" not in node:
            self.error(doc, path, "component has no type", _one_of(COMPONENTS))
            return
        if not isinstance(type_, str) or type_ not in COMPONENTS:
            self.error(
                doc,
                (*path, "type"),
                f"unknown component type '{type_}'",
                _did_you_mean(str(type_), COMPONENTS, _one_of(COMPONENTS)),
            )
            return
        if in_form and type_ not in FIELD_TYPES:
            self.error(
                doc,
                (*path, "type"),
                f"a {type_} cannot be a form field",
                "form fields are input components: " + ", ".join(FIELD_TYPES),
            )
            return
        spec = COMPONENTS[type_]
        props: dict[str, Spec] = spec["props"]
        events: dict[str, Spec] = spec["events"]
        allowed = {**COMMON_PROPS, **(FIELD_PROPS if in_form else {}), **props}
        for key, value in node.items():
            here = (*path, key)
            if key == "type":
                continue
            if key == "id":
                self.register_id(doc, here, value, type_)
            elif key == "name" and in_form:
                self.check_identifier(doc, here, value, "field name")
            elif key in events:
                self.check_actions(doc, here, value)
            elif key in allowed:
                self.check_value(doc, here, value, allowed[key], f"{type_}.{key}")
            else:
                names = [*allowed, *events]
                hint = _did_you_mean(key, names, f"a {type_} has: " + ", ".join(sorted(names)))
                self.error(doc, here, f"unknown prop '{key}' for {type_}", hint, key=True)
        required = [k for k, s in allowed.items() if s.get("required") and k != "type"]
        for key in required:
            if key not in node:
                self.error(doc, path, f"{type_} is missing required prop '{key}'")
        if (
            type_ == "form"
            and isinstance(node.get("id"), str)
            and isinstance(node.get("fields"), list)
        ):
            self.form_fields[node["id"]] = [
                f["name"] for f in node["fields"] if isinstance(f, dict) and "name" in f
            ]
        if type_ == "table" and node.get("paging") == "server":
            self.paged_tables.append((doc, path, node))
        if spec.get("requiresId") and "id" not in node:
            self.error(doc, path, f"{type_} needs an id", f"e.g. id: my{type_.capitalize()}")
        for group in spec.get("requireOneOf", []):
            if not any(k in node for k in group):
                self.error(doc, path, f"{type_} needs one of: {', '.join(group)}")

    def register_id(self, doc: YamlDoc, path: PathKey, value: Any, type_: str) -> None:
        if not self.check_identifier(doc, path, value, "component id"):
            return
        if value in self.ids:
            _, file, line = self.ids[value]
            self.error(
                doc, path, f"duplicate component id '{value}'", f"first defined at {file}:{line}"
            )
            return
        if value in self.query_kinds:
            self.warn(doc, path, f"component id '{value}' is also a query name")
        self.ids[value] = (type_, doc.file, doc.line(path))

    def check_value(self, doc: YamlDoc, path: PathKey, value: Any, spec: Spec, what: str) -> None:
        kind = spec["type"]
        structural = kind in ("actions", "components", "fields")
        if _is_template(value) and spec.get("bindable", not structural):
            return
        if value is None:
            self.error(doc, path, f"{what} has no value", "give it a value or remove it")
            return
        if kind == "actions":
            self.check_actions(doc, path, value)
        elif kind == "components":
            self.check_components(doc, path, value, in_form=False)
        elif kind == "fields":
            self.check_components(doc, path, value, in_form=True)
        elif kind in ("string", "markdown"):
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                hint = "quote it" if isinstance(value, bool) else None
                self.error(doc, path, f"{what} must be text, not {_type_name(value)}", hint)
            elif "pattern" in spec and not re.match(spec["pattern"], str(value)):
                self.error(doc, path, f"{what} '{value}' is not a valid name")
        elif kind in ("number", "integer"):
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            if kind == "integer":
                ok = ok and isinstance(value, int)
            if not ok:
                self.error(
                    doc,
                    path,
                    f"{what} must be {'a whole number' if kind == 'integer' else 'a number'}, "
                    f"not {_type_name(value)}",
                )
            elif ("min" in spec and value < spec["min"]) or ("max" in spec and value > spec["max"]):
                self.error(
                    doc,
                    path,
                    f"{what} must be between {spec.get('min', '-∞')} and {spec.get('max', '∞')}",
                )
        elif kind == "boolean":
            if not isinstance(value, bool):
                self.error(doc, path, f"{what} must be true or false, not {_type_name(value)}")
        elif kind == "enum":
            values = spec["values"]
            if value not in values:
                self.error(
                    doc,
                    path,
                    f"{what} '{value}' is not valid",
                    _did_you_mean(str(value), values, _one_of(values)),
                )
        elif kind == "list":
            if not isinstance(value, list):
                self.error(doc, path, f"{what} must be a list, not {_type_name(value)}")
                return
            for index, item in enumerate(value):
                self.check_value(doc, (*path, index), item, spec["items"], what)
        elif kind == "object":
            if not self.expect_mapping(doc, path, value, what):
                return
            props: dict[str, Spec] = spec["props"]
            self.unknown_keys(doc, path, value, list(props), what)
            for key, item in value.items():
                if key in props:
                    self.check_value(doc, (*path, key), item, props[key], f"{what}.{key}")
            for key, prop in props.items():
                if prop.get("required") and key not in value:
                    self.error(doc, path, f"{what} is missing '{key}'")
        elif kind == "mapping":
            if not self.expect_mapping(doc, path, value, what):
                return
            for key, item in value.items():
                self.check_value(doc, (*path, key), item, spec["values"], f"{what}.{key}")
        elif kind == "option":
            if isinstance(value, dict):
                self.unknown_keys(doc, path, value, ("value", "label"), "an option")
                if "value" not in value:
                    self.error(doc, path, "an option needs a value")
            elif isinstance(value, list):
                self.error(doc, path, "an option is a value or {value, label}, not a list")

    def check_actions(self, doc: YamlDoc, path: PathKey, value: Any) -> None:
        if isinstance(value, dict):
            self.error(doc, path, "actions must be a list", "wrap the action in [ ]: [{run: NAME}]")
            return
        if not isinstance(value, list):
            self.error(doc, path, f"actions must be a list, not {_type_name(value)}")
            return
        for index, action in enumerate(value):
            self.check_action(doc, (*path, index), action)

    def check_action(self, doc: YamlDoc, path: PathKey, action: Any) -> None:
        if not isinstance(action, dict):
            self.error(
                doc, path, "an action must be a mapping such as {run: NAME}", _one_of(ACTIONS)
            )
            return
        kinds = [k for k in action if k in ACTIONS]
        if len(kinds) != 1:
            unknown = [k for k in action if k not in ACTIONS]
            guess = _closest(unknown[0], ACTIONS) if unknown else None
            message = (
                f"an action has several kinds: {', '.join(kinds)}"
                if kinds
                else f"unknown action '{unknown[0]}'"
                if unknown
                else "empty action"
            )
            hint = (
                f"did you mean '{guess}'?"
                if guess
                else "an action is one of: " + ", ".join(ACTIONS)
            )
            self.error(doc, path, message, hint, key=bool(unknown) and not kinds)
            return
        kind = kinds[0]
        spec = ACTIONS[kind]
        options: dict[str, Spec] = spec["options"]
        for key, value in action.items():
            if key == kind:
                continue
            if key in options:
                self.check_value(doc, (*path, key), value, options[key], f"{kind}.{key}")
            else:
                allowed = [kind, *options]
                self.error(
                    doc,
                    (*path, key),
                    f"unknown key '{key}' in a {kind} action",
                    _did_you_mean(key, allowed, _one_of(allowed)),
                    key=True,
                )
        for key, option in options.items():
            if option.get("required") and key not in action:
                self.error(doc, path, f"{kind} action is missing '{key}'")
        target = action[kind]
        here = (*path, kind)
        if spec["target"] == "value" or (
            spec["target"] == "download_source" and _is_template(target)
        ):
            return
        if spec["target"] == "text":
            self.check_value(doc, here, target, {"type": "string"}, kind)
            return
        if not isinstance(target, str) or not target.strip():
            self.error(doc, here, f"{kind} needs {TARGET_KINDS[spec['target']]}")
            return
        kind_ = "read_query" if spec["target"] == "download_source" else spec["target"]
        self.targets.append(_Target(doc, here, kind_, target))

    # -- cross references --------------------------------------------------------------

    def collect_templates(self, doc: YamlDoc, path: PathKey, value: Any, where: str) -> None:
        if isinstance(value, str):
            if "{{" in value:
                self.templates.append(_Template(doc, path, value, where))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                self.collect_templates(doc, (*path, index), item, where)
        elif isinstance(value, dict):
            for key, item in value.items():
                self.collect_templates(doc, (*path, key), item, where)

    def check_deferred(self) -> None:
        for target in self.targets:
            self.check_target(target)
        for template in self.templates:
            self.check_template(template)

    def check_target(self, target: _Target) -> None:
        doc, path, kind, value = target.doc, target.path, target.kind, target.value
        if kind in ("query", "read_query"):
            if value not in self.query_kinds:
                self.error(
                    doc,
                    path,
                    f"unknown query '{value}'",
                    _did_you_mean(value, self.query_kinds, "queries are defined in app.yaml"),
                )
            elif self.query_kinds[value] == "parent":
                self.error(
                    doc,
                    path,
                    f"'{value}' is a parent query: the host page sends its value, it is not run",
                )
            elif kind == "read_query" and self.query_kinds[value] != "read":
                self.error(doc, path, f"only read queries can be downloaded; '{value}' is a write")
        elif kind == "page":
            if value not in self.page_names:
                self.error(
                    doc,
                    path,
                    f"unknown page '{value}'",
                    _did_you_mean(value, self.page_names, _one_of(self.page_names)),
                )
        elif kind == "modal":
            found = self.ids.get(value)
            if found is None or found[0] != "modal":
                modals = [i for i, (t, _, _) in self.ids.items() if t == "modal"]
                self.error(
                    doc,
                    path,
                    f"unknown modal '{value}'",
                    _did_you_mean(value, modals, "give the modal an id"),
                )
        elif kind == "state":
            component, _, key = value.partition(".")
            found = self.ids.get(component)
            if found is None:
                self.error(
                    doc,
                    path,
                    f"unknown component '{component}'",
                    _did_you_mean(component, self.ids),
                )
                return
            settable = settable_state(found[0])
            if key not in settable:
                self.error(
                    doc,
                    path,
                    f"'{value}' cannot be set",
                    f"settable: {', '.join(f'{component}.{k}' for k in settable)}"
                    if settable
                    else f"a {found[0]} has no settable state",
                )

    def check_template(self, template: _Template) -> None:
        doc, path, text = template.doc, template.path, template.text
        try:
            parse_template(text)
            references = template_references(text)
        except ExpressionError as exc:
            line = doc.text_line(path, text, exc.offset)
            self.issues.append(Issue(doc.file, line, f"bad expression: {exc.message}"))
            return
        for reference in references:
            problem = self.reference_problem(reference, template.where)
            if problem is not None:
                offset = text.find(reference.split(".")[0])
                line = doc.text_line(path, text, offset)
                self.issues.append(Issue(doc.file, line, problem[0], problem[1]))

    def reference_problem(self, reference: str, where: str) -> tuple[str, str | None] | None:
        parts = reference.split(".")
        root = parts[0]
        if root == "current_user":
            place = "pages" if where == "page" else "a param's value (the browser computes it)"
            return (
                f"'{reference}' is server-only: current_user can be used in SQL, not in {place}",
                "use it in the query's SQL, e.g. WHERE supplier_id = "
                "{{ current_user.metadata.supplierId }}",
            )
        if root == "queries":
            if len(parts) < 2:
                return "'queries' needs a query name", "e.g. queries.NAME.data"
            name = parts[1]
            if name not in self.query_kinds:
                return f"unknown query '{name}' in '{reference}'", _did_you_mean(
                    name, self.query_kinds, "queries are defined in app.yaml"
                )
            if len(parts) > 2 and parts[2] not in QUERY_STATE:
                return f"a query has no '{parts[2]}'", _did_you_mean(
                    parts[2], QUERY_STATE, _one_of(QUERY_STATE)
                )
            return None
        if root in GLOBALS:
            fields = GLOBALS[root].get("fields")
            if fields is not None and len(parts) > 1 and parts[1] not in fields:
                return f"{root} has no '{parts[1]}'", (
                    _one_of(fields) if fields else f"{root} is a plain value"
                )
            return None
        if root in self.ids:
            type_ = self.ids[root][0]
            state: dict[str, Spec] = COMPONENTS[type_]["state"]
            if len(parts) > 1 and parts[1] not in state:
                return f"{root} ({type_}) has no state '{parts[1]}'", (
                    _did_you_mean(parts[1], state, _one_of(state))
                    if state
                    else f"a {type_} has no state to read"
                )
            fields = self.form_fields.get(root)
            if fields is not None and parts[1:2] == ["data"] and len(parts) > 2:
                if parts[2] not in fields:
                    return f"form {root} has no field '{parts[2]}'", _did_you_mean(
                        parts[2], fields, "fields: " + ", ".join(fields)
                    )
            return None
        if root in self.query_kinds:
            return f"unknown name '{root}'", f"queries are read as queries.{root}.data"
        names = [*self.ids, *GLOBALS, "queries"]
        return f"unknown name '{root}' in {{{{ }}}}", _did_you_mean(
            root, names, "a component id, queries.NAME or " + ", ".join(GLOBALS)
        )


def _did_you_mean_file(name: str, files: list[str]) -> str | None:
    stems = [f.rsplit(".", 1)[0] for f in files]
    best = _closest(name, stems)
    return f"did you mean '{best}'?" if best else None


def _is_regex(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        re.compile(value)
    except re.error:
        return False
    return True


def _is_uuid(value: str) -> bool:
    if len(value) != 36:
        return False
    try:
        return str(uuid_module.UUID(value)) == value.lower()
    except ValueError:
        return False


def _matches_param_type(value: Any, type_: str) -> bool:
    if type_ == "string":
        return isinstance(value, str)
    if type_ == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if type_ == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if type_ == "boolean":
        return isinstance(value, bool)
    if type_ in ("date", "datetime"):
        if not isinstance(value, str):
            return False
        try:
            (date if type_ == "date" else datetime).fromisoformat(value)
        except ValueError:
            return False
        return True
    return False


# -- public API --------------------------------------------------------------------------


def is_app_dir(path: Path) -> bool:
    """A folder is an app folder when it holds an app.yaml."""
    return (path / "app.yaml").is_file()


def check_app_dir(
    path: Path | str, display: str | None = None
) -> tuple[ValidatedApp | None, list[Issue]]:
    """Validate one app folder: the valid app (None when there are errors) and all issues."""
    directory = Path(path)
    validator = _AppValidator(AppFolder(directory, display))
    app = validator.run()
    issues = [*validator.issues, *validator.folder.issues]
    return app, sorted(issues, key=lambda i: (i.file, i.line))


def validate_app_dir(path: Path | str) -> list[Issue]:
    """Every issue (errors and warnings) of one app folder."""
    return check_app_dir(path)[1]


def check_apps_root(path: Path | str, display: str | None = None) -> AppsCheck:
    """Validate an app folder, or a folder of app folders (detected by app.yaml).

    ``display`` names the folder in messages (e.g. a Git URL instead of a temp folder)."""
    root = Path(path)
    display = display if display is not None else str(path)
    if not root.is_dir():
        return AppsCheck([], [Issue(display, 1, "not a folder")])
    if is_app_dir(root):
        single, single_issues = check_app_dir(root, display)
        return AppsCheck([single] if single else [], single_issues)
    apps: list[ValidatedApp] = []
    issues: list[Issue] = []
    real_root = root.resolve()
    children = sorted(c for c in root.iterdir() if c.is_dir() and not c.name.startswith("."))
    found = 0
    for child in children:
        if not is_app_dir(child):
            continue
        found += 1
        child_display = f"{display.rstrip('/')}/{child.name}"
        if child.is_symlink() and not child.resolve().is_relative_to(real_root):
            issues.append(
                Issue(
                    f"{child_display}/app.yaml", 1, "the app folder is a symlink that leads outside"
                )
            )
            continue
        app, app_issues = check_app_dir(child, child_display)
        issues.extend(app_issues)
        if app is not None:
            apps.append(app)
    if not found:
        issues.append(
            Issue(
                display,
                1,
                "no apps found",
                "an app is a folder with an app.yaml: inset app new DIR/NAME",
            )
        )
    first: dict[str, ValidatedApp] = {}
    for app in list(apps):
        if app.uuid in first:
            other = first[app.uuid]
            issues.append(
                Issue(
                    app.app_file,
                    app.uuid_line,
                    f"uuid {app.uuid} is also used by {other.app_file}",
                    "each app needs its own uuid",
                )
            )
            apps.remove(app)
        else:
            first[app.uuid] = app
    return AppsCheck(apps, issues)


def validate_apps_root(path: Path | str) -> list[Issue]:
    """Every issue of an app folder or a folder of app folders."""
    return check_apps_root(path).issues


def _with_guess(name: str, existing: Iterable[str], command: str) -> str:
    guess = _closest(name, existing)
    create = f"create it: {command}"
    return f"did you mean '{guess}'? or {create}" if guess else create


async def check_database(session: AsyncSession, apps: Sequence[ValidatedApp]) -> list[Issue]:
    """Issues that need the metadata database: groups (``access``, ``allowedGroups``) must
    exist, and each query's resource must exist in at least one environment."""
    issues: list[Issue] = []
    groups = await storage.group_names(session)
    resources = await storage.resource_names(session)
    for app in apps:
        for ref in app.group_refs:
            if ref.name not in groups:
                hint = _with_guess(ref.name, groups, f"inset groups create {ref.name}")
                issues.append(Issue(ref.file, ref.line, f"unknown group '{ref.name}'", hint))
        for ref in app.resource_refs:
            if ref.name not in resources:
                hint = _with_guess(
                    ref.name, resources, f"inset resources add {ref.name} --type … --url …"
                )
                issues.append(Issue(ref.file, ref.line, f"unknown resource '{ref.name}'", hint))
    # Deploy-time SQL parse check for each query's resource dialect (owned by queries/).
    issues.extend(await deploy_sql_issues(session, apps))
    return issues
