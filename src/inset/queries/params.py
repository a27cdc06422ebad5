"""Validating the params a browser sends against a query's declared params.

The browser sends any JSON value; this module either returns exactly one Python value per
declared param or raises a 422 (``ValidationFailed``) whose ``field`` is ``params`` or
``params.<name>`` (``params.<name>[i]`` for an array item). There is no coercion: ``"1"`` is
not an integer, ``true`` is not an integer, ``1.0`` is not an integer, ``"true"`` is not a
boolean. docs/queries.md documents every type and bound.

Returned values: str, int, float, bool, ``datetime.date`` (type date), ``datetime.datetime``
(type datetime, aware when an offset was given), any JSON value (type json), a list of the
item type (type array), a ``FileValue`` (type file, see ``inset.queries.files``), or None.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from inset.errors import BadRequest, ValidationFailed
from inset.queries.files import FileValue, check_file
from inset.queries.files import declaration_problems as file_declaration_problems
from inset.queries.results import encode_value

SCALAR_TYPES = ("string", "integer", "number", "boolean", "date", "datetime")
PARAM_TYPES = (*SCALAR_TYPES, "json", "array", "file")
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
DEFAULT_MAX_ITEMS = 1000
RESERVED_NAMES = frozenset({"current_user"})
NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATETIME_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}(:?\d{2})?)?$"
)
_AUDIT_MAX_STRING = 500
_AUDIT_MAX_ITEMS = 100
_SHOWN_NAME_MAX = 100


def json_type(value: Any) -> str:
    """The JSON name of a value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {message}", field=field, code="invalid_param")


def _shown(name: str) -> str:
    return name if len(name) <= _SHOWN_NAME_MAX else name[:_SHOWN_NAME_MAX] + "…"


# ----------------------------------------------------------------------------- declarations


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@lru_cache(maxsize=512)
def _compiled_pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _declaration_problems(where: str, decl: Any, *, item: bool = False) -> list[str]:
    if not isinstance(decl, dict):
        return [f"{where}: must be a mapping with a type"]
    kind = decl.get("type")
    allowed = SCALAR_TYPES if item else PARAM_TYPES
    if kind not in allowed:
        return [f"{where}: type must be one of {', '.join(allowed)}"]
    problems: list[str] = []
    for key in ("required", "nullable", "secret"):
        if key in decl and not isinstance(decl[key], bool):
            problems.append(f"{where}.{key}: must be true or false")
    for key in ("minLength", "maxLength", "minItems", "maxItems"):
        if key in decl and not (_is_int(decl[key]) and decl[key] >= 0):
            problems.append(f"{where}.{key}: must be a non-negative integer")
    for key in ("min", "max"):
        if key in decl and not (_is_number(decl[key]) and math.isfinite(decl[key])):
            problems.append(f"{where}.{key}: must be a number")
    if "pattern" in decl:
        if not isinstance(decl["pattern"], str):
            problems.append(f"{where}.pattern: must be a regular expression string")
        else:
            try:
                _compiled_pattern(decl["pattern"])
            except re.error as exc:
                problems.append(f"{where}.pattern: not a valid regular expression ({exc})")
    if "enum" in decl and not (isinstance(decl["enum"], list) and decl["enum"]):
        problems.append(f"{where}.enum: must be a non-empty list")
    if kind == "array":
        problems += _declaration_problems(f"{where}.items", decl.get("items"), item=True)
    if kind == "file":
        return problems + file_declaration_problems(where, decl)
    if problems:
        return problems
    if "enum" in decl:
        for index, option in enumerate(decl["enum"]):
            try:
                _check_value(decl, option, f"{where}.enum[{index}]", use_enum=False)
            except ValidationFailed as exc:
                problems.append(exc.message)
    if "default" in decl and decl["default"] is not None:
        try:
            _check_value(decl, decl["default"], f"{where}.default")
        except ValidationFailed as exc:
            problems.append(exc.message)
    return problems


def declaration_errors(declared: Any) -> list[str]:
    """Every problem in a query's ``params`` declaration (for deploy-time validation).

    Runtime validation refuses to run a query whose declaration has any of these."""
    if declared is None:
        return []
    if not isinstance(declared, dict):
        return ["params: must be a mapping of name to declaration"]
    problems: list[str] = []
    for name, decl in declared.items():
        if not isinstance(name, str) or not NAME_RE.match(name):
            problems.append(f"params.{name}: a param name must be letters, digits and _")
            continue
        if name in RESERVED_NAMES:
            problems.append(f"params.{name}: '{name}' is reserved (it comes from the session)")
            continue
        problems += _declaration_problems(f"params.{name}", decl)
    return problems


# ----------------------------------------------------------------------------- values


def _check_range(decl: dict[str, Any], value: int | float, field: str) -> None:
    low, high = decl.get("min"), decl.get("max")
    if low is not None and value < low:
        raise _invalid(field, f"must be at least {low}")
    if high is not None and value > high:
        raise _invalid(field, f"must be at most {high}")


def _check_text(value: str, field: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _invalid(field, "must be valid Unicode text (no lone surrogates)") from None
    if "\x00" in value:
        raise _invalid(field, "must not contain NUL characters")


def _check_string(decl: dict[str, Any], value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise _invalid(field, f"must be a string (got {json_type(value)})")
    _check_text(value, field)
    if "minLength" in decl and len(value) < decl["minLength"]:
        raise _invalid(field, f"must be at least {decl['minLength']} characters")
    if "maxLength" in decl and len(value) > decl["maxLength"]:
        raise _invalid(field, f"must be at most {decl['maxLength']} characters")
    pattern = decl.get("pattern")
    if pattern is not None and not _compiled_pattern(pattern).search(value):
        raise _invalid(field, "does not match the required pattern")
    return value


def _check_integer(decl: dict[str, Any], value: Any, field: str) -> int:
    if not _is_int(value):
        raise _invalid(field, f"must be an integer (got {json_type(value)})")
    if not INT64_MIN <= value <= INT64_MAX:
        raise _invalid(field, "is out of the 64-bit integer range")
    _check_range(decl, value, field)
    return int(value)


def _check_number(decl: dict[str, Any], value: Any, field: str) -> int | float:
    if not _is_number(value):
        raise _invalid(field, f"must be a number (got {json_type(value)})")
    if isinstance(value, float) and not math.isfinite(value):
        raise _invalid(field, "must be a finite number")
    if isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX:
        raise _invalid(field, "is out of range")
    _check_range(decl, value, field)
    number: int | float = value
    return number


def _check_boolean(decl: dict[str, Any], value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise _invalid(field, f"must be true or false (got {json_type(value)})")
    return value


def _check_date(decl: dict[str, Any], value: Any, field: str) -> date:
    if not isinstance(value, str) or not DATE_RE.match(value):
        raise _invalid(field, "must be a date string like 2024-01-31")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _invalid(field, "is not a real calendar date") from None


def _check_datetime(decl: dict[str, Any], value: Any, field: str) -> datetime:
    if not isinstance(value, str) or not DATETIME_RE.match(value):
        raise _invalid(field, "must be an ISO 8601 date-time like 2024-01-31T13:45:00Z")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise _invalid(field, "is not a real date-time") from None


def _check_json(decl: dict[str, Any], value: Any, field: str) -> Any:
    # Iterative, so no input nesting can exhaust the stack here.
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if item is None or isinstance(item, (bool, int)):
            continue
        if isinstance(item, float):
            if not math.isfinite(item):
                raise _invalid(field, "must be JSON (NaN and Infinity are not)")
        elif isinstance(item, str):
            _check_text(item, field)
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            for key in item:
                if not isinstance(key, str):
                    raise _invalid(field, "must be JSON (object keys are strings)")
                _check_text(key, field)
            stack.extend(item.values())
        else:
            raise _invalid(field, "must be a JSON value")
    return value


def _check_array(decl: dict[str, Any], value: Any, field: str) -> list[Any]:
    if not isinstance(value, list):
        raise _invalid(field, f"must be an array (got {json_type(value)})")
    if "minItems" in decl and len(value) < decl["minItems"]:
        raise _invalid(field, f"must have at least {decl['minItems']} items")
    limit = decl.get("maxItems", DEFAULT_MAX_ITEMS)
    if len(value) > limit:
        raise _invalid(field, f"must have at most {limit} items")
    items: dict[str, Any] = decl["items"]
    result: list[Any] = []
    for index, item in enumerate(value):
        where = f"{field}[{index}]"
        if item is None:
            if not items.get("nullable", False):
                raise _invalid(where, "must not be null")
            result.append(None)
        else:
            result.append(_check_value(items, item, where))
    return result


_CHECKS = {
    "string": _check_string,
    "integer": _check_integer,
    "number": _check_number,
    "boolean": _check_boolean,
    "date": _check_date,
    "datetime": _check_datetime,
    "json": _check_json,
    "array": _check_array,
    "file": check_file,
}


def _check_value(decl: dict[str, Any], value: Any, field: str, *, use_enum: bool = True) -> Any:
    result = _CHECKS[decl["type"]](decl, value, field)
    if use_enum and "enum" in decl:
        options = decl["enum"]
        if decl["type"] in ("integer", "number"):
            found = any(_is_number(o) and o == value for o in options)
        else:
            found = any(json_type(o) == json_type(value) and o == value for o in options)
        if not found:
            shown = ", ".join(str(o) for o in options[:20])
            raise _invalid(field, f"must be one of: {shown}")
    return result


def is_required(decl: dict[str, Any]) -> bool:
    """``required`` defaults to true unless the param has a default or is nullable."""
    default = not ("default" in decl or decl.get("nullable", False))
    return bool(decl.get("required", default))


def validate_params(declared: dict[str, dict[str, Any]], given: Any) -> dict[str, Any]:
    """One validated value per declared param, or a 422 naming the first bad field.

    ``given`` is whatever JSON the client sent: an object, or null/absent (no params).
    Unknown names, missing required params, nulls for non-nullable params and wrong types
    are all 422. A broken declaration is a 400 ``bad_query_definition`` (an app bug that
    ``inset validate`` reports at deploy time)."""
    declared = declared or {}
    problems = declaration_errors(declared)
    if problems:
        raise BadRequest(
            "The query's params declaration is invalid: " + "; ".join(problems[:5]),
            code="bad_query_definition",
        )
    if given is None:
        given = {}
    if not isinstance(given, dict):
        raise ValidationFailed(
            f"params: must be an object (got {json_type(given)})",
            field="params",
            code="invalid_param",
        )
    unknown = sorted(str(name) for name in given if name not in declared)
    if unknown:
        name = _shown(unknown[0])
        raise ValidationFailed(
            f"params.{name}: unknown param (declared: {', '.join(sorted(declared)) or 'none'})",
            field=f"params.{name}",
            code="unknown_param",
        )
    values: dict[str, Any] = {}
    for name, decl in declared.items():
        field = f"params.{name}"
        if name not in given:
            if "default" in decl:
                default = decl["default"]
                values[name] = None if default is None else _check_value(decl, default, field)
            elif is_required(decl):
                raise ValidationFailed(f"{field}: is required", field=field, code="missing_param")
            else:
                values[name] = None
            continue
        value = given[name]
        if value is None:
            if not decl.get("nullable", False):
                raise _invalid(field, "must not be null")
            values[name] = None
            continue
        values[name] = _check_value(decl, value, field)
    return values


def _clip(value: Any) -> Any:
    if isinstance(value, str) and len(value) > _AUDIT_MAX_STRING:
        return value[:_AUDIT_MAX_STRING] + "…"
    if isinstance(value, list):
        clipped = [_clip(v) for v in value[:_AUDIT_MAX_ITEMS]]
        if len(value) > _AUDIT_MAX_ITEMS:
            clipped.append(f"… {len(value) - _AUDIT_MAX_ITEMS} more")
        return clipped
    if isinstance(value, dict):
        return {k: _clip(v) for k, v in list(value.items())[:_AUDIT_MAX_ITEMS]}
    return value


def audit_params(declared: dict[str, dict[str, Any]], values: dict[str, Any]) -> dict[str, Any]:
    """Validated params for the audit log: JSON-safe, ``secret: true`` params as ``"***"``,
    long strings and arrays clipped."""
    result: dict[str, Any] = {}
    for name, value in values.items():
        if (declared.get(name) or {}).get("secret", False):
            result[name] = "***"
        elif isinstance(value, FileValue):
            result[name] = value.summary()
        else:
            result[name] = _clip(encode_value(value))
    return result
