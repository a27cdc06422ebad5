"""JSON Schema (draft 2020-12) of app files, generated from the component catalogue and the
validator's key lists, so there is one source of truth and editors get completion, checks
and hover help (``inset schema``, docs/app-format.md "Editor support").

The schema is a first line of help in the editor; ``inset validate`` stays the authority
(it also checks references, SQL, expressions and the database). Everything the schema
refuses, validation refuses too (tests/apps/test_schema.py compares them).
"""

from __future__ import annotations

import json
from typing import Any

from inset.apps.components import (
    ACTIONS,
    COMMON_PROPS,
    COMPONENTS,
    FIELD_PROPS,
    FIELD_TYPES,
    IDENTIFIER_PATTERN,
    TARGET_KINDS,
    THEME,
    THEME_PATTERNS,
    Spec,
)
from inset.apps.validation import (
    ACCESS_LEVELS,
    APP_KEYS,
    MAX_PAGES,
    MAX_QUERIES,
    NAME_MAX,
    PAGE_KEYS,
    PAGE_NAME_PATTERN,
    PARAM_COMMON_KEYS,
    PARAM_ITEM_KEYS,
    PARAM_KEYS,
    PARAM_TYPES,
    PARENT_QUERY_KEYS,
    QUERY_KINDS,
    SCALAR_PARAM_TYPES,
    SEMVER,
    SQL_QUERY_KEYS,
)
from inset.queries.files import MAX_FILE_BYTES
from inset.queries.rest import METHODS, REST_QUERY_KEYS

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
FILES = ("app", "page", "query")
UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
TEMPLATE = {"type": "string", "pattern": r"\{\{", "description": 'A "{{ expression }}".'}
UNDOCUMENTED = "See docs/app-format.md."

APP_KEY_DOCS = {
    "uuid": "The app's stable identity (any UUID); keep it when the folder moves.",
    "name": f"Display name, 1 to {NAME_MAX} characters.",
    "version": "MAJOR.MINOR.PATCH; deploy bumps the patch version when absent.",
    "access": "Groups that may use the app: [{group, level}]. Default: nobody.",
    "embed": "Embedding: {parentOrigins: [...]}, the host pages that may frame the app.",
    "theme": "Look of the app: colors, radius, font, color scheme.",
    "pages": "Page names in display order; page NAME is pages/NAME.yaml.",
    "queries": "Queries by name: read, write (SQL or REST) and parent queries.",
}
PAGE_KEY_DOCS = {
    "title": "Page title (navigation); the page name when absent.",
    "components": "The page's components, top to bottom.",
}
QUERY_KEY_DOCS = {
    "kind": "read (default), write, or parent (a value the host page answers).",
    "resource": "Name of a resource (inset resources add).",
    "sql": "Inline SQL, or the path of a .sql file in the app folder. {{ param }} binds.",
    "params": "Declared params: name → {type, value, bounds}. The browser may send only these.",
    "trigger": "auto: re-run when its inputs change (reads); manual: only from a run action.",
    "allowedGroups": "Groups that may run it; required (non-empty) for writes.",
    "pagination": "offset: server-side paging; the SQL may use {{ paging.limit }} etc.",
    "defaultSort": "Columns to sort by when paging, e.g. created_at DESC, id.",
    "selector": "The key the host page answers for a parent query.",
    "method": "HTTP method of a REST query.",
    "path": "Path under the REST resource's base URL; {{ param }} fills a segment.",
    "query": "Query-string parameters of a REST query.",
    "body": "JSON body of a REST query; {{ param }} values are bound.",
}
PARAM_KEY_DOCS = {
    "type": "The param's type; values of another type are refused (422).",
    "value": 'Where the browser takes the value, e.g. "{{ search.value }}".',
    "nullable": "null is accepted.",
    "required": "Must be sent (default: true unless it has a default or is nullable).",
    "default": "Used when the browser does not send the param.",
    "secret": 'Recorded as "***" in the audit log.',
    "minLength": "Shortest accepted string.",
    "maxLength": "Longest accepted string.",
    "pattern": "Regular expression the string must match.",
    "enum": "The only accepted values.",
    "min": "Smallest accepted number.",
    "max": "Largest accepted number.",
    "items": "Type of the array's items: {type, nullable}.",
    "minItems": "Fewest items.",
    "maxItems": "Most items (default 1000).",
    "maxBytes": "Largest accepted file in bytes (decoded). Required for type: file.",
    "accept": "Accepted files: extensions (.pdf), MIME types (application/pdf) or type/*.",
}
PARAM_KEY_SCHEMAS: dict[str, dict[str, Any]] = {
    "value": {},
    "nullable": {"type": "boolean"},
    "required": {"type": "boolean"},
    "default": {},
    "secret": {"type": "boolean"},
    "minLength": {"type": "integer", "minimum": 0},
    "maxLength": {"type": "integer", "minimum": 0},
    "pattern": {"type": "string"},
    "enum": {"type": "array", "minItems": 1},
    "min": {"type": "number"},
    "max": {"type": "number"},
    "items": {"$ref": "#/$defs/paramItem"},
    "minItems": {"type": "integer", "minimum": 0},
    "maxItems": {"type": "integer", "minimum": 0},
    "maxBytes": {"type": "integer", "minimum": 1, "maximum": MAX_FILE_BYTES},
    "accept": {
        "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}, "minItems": 1}]
    },
}


def _described(schema: dict[str, Any], description: str | None) -> dict[str, Any]:
    return {**schema, "description": description} if description else schema


def _bindable(schema: dict[str, Any], spec: Spec) -> dict[str, Any]:
    """A literal, or a ``{{ }}`` template where the prop is bindable."""
    structural = spec["type"] in ("actions", "components", "fields")
    if not spec.get("bindable", not structural) or schema.get("type") == "string":
        return schema
    return {"anyOf": [schema, TEMPLATE]}


def prop_schema(spec: Spec) -> dict[str, Any]:
    """The JSON Schema of one catalogue prop spec (see inset.apps.components)."""
    kind = spec["type"]
    schema: dict[str, Any]
    if kind in ("string", "markdown"):
        schema = {"type": ["string", "number"]}
        if "pattern" in spec:
            pattern = spec["pattern"]
            schema = {"type": "string", "pattern": THEME_PATTERNS.get(pattern, pattern)}
    elif kind in ("number", "integer"):
        schema = {"type": kind}
        if "min" in spec:
            schema["minimum"] = spec["min"]
        if "max" in spec:
            schema["maximum"] = spec["max"]
    elif kind == "boolean":
        schema = {"type": "boolean"}
    elif kind == "enum":
        schema = {"enum": list(spec["values"])}
    elif kind == "list":
        schema = {"type": "array", "items": prop_schema(spec["items"])}
    elif kind == "object":
        props: dict[str, Spec] = spec["props"]
        schema = {
            "type": "object",
            "properties": {k: prop_schema(v) for k, v in props.items()},
            "additionalProperties": False,
        }
        required = [k for k, v in props.items() if v.get("required")]
        if required:
            schema["required"] = required
    elif kind == "mapping":
        schema = {"type": "object", "additionalProperties": prop_schema(spec["values"])}
    elif kind == "option":
        schema = {
            "anyOf": [
                {"type": ["string", "number", "boolean", "null"]},
                {
                    "type": "object",
                    "properties": {"value": {}, "label": {"type": ["string", "number"]}},
                    "required": ["value"],
                    "additionalProperties": False,
                },
            ]
        }
    elif kind == "actions":
        schema = {"$ref": "#/$defs/actions"}
    elif kind == "components":
        schema = {"$ref": "#/$defs/components"}
    elif kind == "fields":
        schema = {"type": "array", "items": {"$ref": "#/$defs/field"}}
    else:  # any
        schema = {}
    schema = _bindable(schema, spec)
    if "default" in spec:
        schema["default"] = spec["default"]
    return _described(schema, spec.get("description"))


def _component(type_: str, *, field: bool) -> dict[str, Any]:
    spec = COMPONENTS[type_]
    props: dict[str, Spec] = {**COMMON_PROPS, **(FIELD_PROPS if field else {}), **spec["props"]}
    properties: dict[str, Any] = {
        key: prop_schema(value) for key, value in props.items() if key != "type"
    }
    properties["type"] = {"const": type_, "description": spec["description"]}
    for event, event_spec in spec["events"].items():
        properties[event] = {"$ref": "#/$defs/actions", "description": event_spec["description"]}
    required = ["type", *(k for k, v in props.items() if v.get("required") and k != "type")]
    if spec.get("requiresId"):
        required.append("id")
    schema: dict[str, Any] = {
        "type": "object",
        "description": spec["description"],
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }
    groups: list[list[str]] = spec.get("requireOneOf", [])
    if groups:
        schema["allOf"] = [{"anyOf": [{"required": [k]} for k in group]} for group in groups]
    return schema


def _dispatch(types: list[str], prefix: str, description: str) -> dict[str, Any]:
    """``{type: T, …}`` checked by the schema of T (if/then, so errors name the right props)."""
    return {
        "type": "object",
        "description": description,
        "required": ["type"],
        "properties": {"type": {"enum": types, "description": "The component type."}},
        "allOf": [
            {
                "if": {"properties": {"type": {"const": t}}, "required": ["type"]},
                "then": {"$ref": f"#/$defs/{prefix}.{t}"},
            }
            for t in types
        ],
    }


def _target(kind: str) -> dict[str, Any]:
    description = TARGET_KINDS.get(kind, "See docs/app-format.md, Actions.")
    if kind == "value":
        return {"description": description}
    if kind == "text":
        return {"type": ["string", "number"], "description": description}
    return {"type": "string", "minLength": 1, "description": description}


def _action(kind: str) -> dict[str, Any]:
    spec = ACTIONS[kind]
    options: dict[str, Spec] = spec["options"]
    properties = {kind: _target(spec["target"])}
    properties |= {key: prop_schema(value) for key, value in options.items()}
    required = [kind, *(k for k, v in options.items() if v.get("required"))]
    return {
        "type": "object",
        "description": spec["description"],
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def _param(*, item: bool) -> dict[str, Any]:
    types = SCALAR_PARAM_TYPES if item else PARAM_TYPES
    common = PARAM_ITEM_KEYS if item else PARAM_COMMON_KEYS
    branches = []
    for type_ in types:
        keys = [k for k in (*common, *PARAM_KEYS[type_]) if k != "type"]
        properties: dict[str, Any] = {"type": {"const": type_}}
        for key in keys:
            properties[key] = _described(PARAM_KEY_SCHEMAS.get(key, {}), _doc(PARAM_KEY_DOCS, key))
        then: dict[str, Any] = {"properties": properties, "additionalProperties": False}
        if type_ == "file" and not item:
            then["required"] = ["maxBytes"]
        if type_ == "array":
            then["required"] = ["items"]
        branches.append(
            {"if": {"properties": {"type": {"const": type_}}, "required": ["type"]}, "then": then}
        )
    return {
        "type": "object",
        "description": "An array item's type." if item else "A declared query param.",
        "required": ["type"],
        "properties": {"type": {"enum": list(types), "description": PARAM_KEY_DOCS["type"]}},
        "allOf": branches,
    }


def _doc(docs: dict[str, str], key: str) -> str:
    return docs.get(key, UNDOCUMENTED)


def _query() -> dict[str, Any]:
    keys = [*dict.fromkeys([*SQL_QUERY_KEYS, *REST_QUERY_KEYS])]
    schemas: dict[str, dict[str, Any]] = {
        "kind": {"enum": [k for k in QUERY_KINDS if k != "parent"]},
        "resource": {"type": "string", "minLength": 1},
        "sql": {"type": "string", "minLength": 1},
        "params": {
            "type": "object",
            "propertyNames": {"pattern": IDENTIFIER_PATTERN},
            "additionalProperties": {"$ref": "#/$defs/param"},
        },
        "trigger": {"enum": ["auto", "manual"]},
        "allowedGroups": {"type": "array", "items": {"type": "string"}},
        "method": {"enum": [*METHODS, *(m.lower() for m in METHODS)]},
        "path": {"type": "string"},
        "query": {"type": "object"},
    }
    runnable = {
        "type": "object",
        "properties": {k: _described(schemas.get(k, {}), _doc(QUERY_KEY_DOCS, k)) for k in keys},
        "required": ["resource"],
        "additionalProperties": False,
    }
    parent_keys = {k: _doc(QUERY_KEY_DOCS, k) for k in PARENT_QUERY_KEYS}
    parent = {
        "type": "object",
        "properties": {
            "kind": {"const": "parent", "description": parent_keys.pop("kind")},
            **{
                k: {"type": "string", "minLength": 1, "description": d}
                for k, d in parent_keys.items()
            },
        },
        "required": list(PARENT_QUERY_KEYS),
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "description": "A query: SQL or REST (read or write), or a parent query.",
        "if": {"properties": {"kind": {"const": "parent"}}, "required": ["kind"]},
        "then": parent,
        "else": runnable,
    }


def _theme() -> dict[str, Any]:
    return {
        "type": "object",
        "description": APP_KEY_DOCS["theme"],
        "properties": {k: prop_schema({**v, "bindable": False}) for k, v in THEME.items()},
        "additionalProperties": False,
    }


def _app() -> dict[str, Any]:
    properties: dict[str, Any] = {
        "uuid": {"type": "string", "pattern": UUID_PATTERN},
        "name": {"type": "string", "minLength": 1, "maxLength": NAME_MAX},
        "version": {"type": "string", "pattern": SEMVER.pattern},
        "access": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "group": {"type": "string", "minLength": 1, "description": "A group name."},
                    "level": {"enum": list(ACCESS_LEVELS), "default": "use"},
                },
                "required": ["group"],
                "additionalProperties": False,
            },
        },
        "embed": {
            "type": "object",
            "properties": {
                "parentOrigins": {
                    "type": "array",
                    "items": {"type": "string", "pattern": r"^https?://[^/?#@]+$"},
                    "description": "Exact origins, e.g. https://app.example.com (no wildcards).",
                }
            },
            "additionalProperties": False,
        },
        "theme": {"$ref": "#/$defs/theme"},
        "pages": {
            "type": "array",
            "items": {"type": "string", "pattern": PAGE_NAME_PATTERN.pattern},
            "minItems": 1,
            "maxItems": MAX_PAGES,
        },
        "queries": {
            "type": "object",
            "propertyNames": {"pattern": IDENTIFIER_PATTERN},
            "additionalProperties": {"$ref": "#/$defs/query"},
            "maxProperties": MAX_QUERIES,
        },
    }
    return {
        "type": "object",
        "title": "Inset app.yaml",
        "properties": {
            k: _described(properties.get(k, {}), _doc(APP_KEY_DOCS, k)) for k in APP_KEYS
        },
        "required": ["uuid", "name", "pages"],
        "additionalProperties": False,
    }


def _page() -> dict[str, Any]:
    schemas: dict[str, dict[str, Any]] = {
        "title": {"type": ["string", "number"]},
        "components": {"$ref": "#/$defs/components"},
    }
    return {
        "type": ["object", "null"],
        "title": "Inset page (pages/NAME.yaml)",
        "properties": {
            k: _described(schemas.get(k, {}), _doc(PAGE_KEY_DOCS, k)) for k in PAGE_KEYS
        },
        "additionalProperties": False,
    }


def definitions() -> dict[str, Any]:
    """Every ``$defs`` entry of the app file schemas."""
    defs: dict[str, Any] = {
        "app": _app(),
        "page": _page(),
        "query": _query(),
        "param": _param(item=False),
        "paramItem": _param(item=True),
        "theme": _theme(),
        "components": {"type": "array", "items": {"$ref": "#/$defs/component"}},
        "component": _dispatch(list(COMPONENTS), "component", "A component: {id, type, …props}."),
        "field": _dispatch(list(FIELD_TYPES), "field", "A form field: an input with a name."),
        "actions": {
            "type": "array",
            "description": "Actions, run in order.",
            "items": {"$ref": "#/$defs/action"},
        },
        "action": {
            "description": "One action: " + ", ".join(ACTIONS) + ".",
            "oneOf": [{"$ref": f"#/$defs/action.{kind}"} for kind in ACTIONS],
        },
    }
    for type_ in COMPONENTS:
        defs[f"component.{type_}"] = _component(type_, field=False)
    for type_ in FIELD_TYPES:
        defs[f"field.{type_}"] = _component(type_, field=True)
    for kind in ACTIONS:
        defs[f"action.{kind}"] = _action(kind)
    return defs


def app_file_schema(file: str = "app") -> dict[str, Any]:
    """The schema of one kind of file: ``app`` (app.yaml), ``page`` (pages/*.yaml) or
    ``query`` (one entry under ``queries:``)."""
    if file not in FILES:
        raise ValueError(f"file must be one of: {', '.join(FILES)}")
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": f"urn:inset:schema:{file}",
        "title": {"app": "Inset app.yaml", "page": "Inset page", "query": "Inset query"}[file],
        "$ref": f"#/$defs/{file}",
        "$defs": definitions(),
    }


def schema_json(file: str = "app") -> str:
    return json.dumps(app_file_schema(file), indent=2, ensure_ascii=False) + "\n"
