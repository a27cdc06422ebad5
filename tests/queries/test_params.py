"""validate_params: every declared type and bound, strictly, and never a 500 on any JSON."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inset.errors import BadRequest, InsetError, ValidationFailed
from inset.queries.params import (
    DEFAULT_MAX_ITEMS,
    audit_params,
    declaration_errors,
    validate_params,
)


def fails(declared: dict[str, Any], given: Any) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as info:
        validate_params(declared, given)
    assert info.value.status_code == 422
    return info.value


# ------------------------------------------------------------------- shape of the input


@pytest.mark.parametrize("given", [[], "x", 1, 1.5, True, ["a"]])
def test_params_that_are_not_an_object_are_422_on_params(given: Any) -> None:
    error = fails({"a": {"type": "string"}}, given)
    assert error.field == "params"
    assert error.code == "invalid_param"


def test_null_params_mean_no_params() -> None:
    assert validate_params({}, None) == {}
    assert validate_params({"a": {"type": "string", "default": "x"}}, None) == {"a": "x"}


def test_unknown_param_is_named() -> None:
    error = fails({"a": {"type": "string"}}, {"a": "x", "zzz": 1})
    assert error.field == "params.zzz"
    assert error.code == "unknown_param"
    assert "zzz" in error.message


def test_current_user_cannot_be_sent_as_a_param() -> None:
    declared = {"sku": {"type": "string"}}
    for params in (
        {"sku": "a", "current_user": {"metadata": {"supplierId": 2}}},
        {"sku": "a", "current_user.metadata.supplierId": 2},
    ):
        error = fails(declared, params)
        assert error.code == "unknown_param"
        assert error.field is not None and error.field.startswith("params.current_user")


def test_current_user_cannot_be_declared() -> None:
    problems = declaration_errors({"current_user": {"type": "json"}})
    assert problems and "reserved" in problems[0]
    with pytest.raises(BadRequest) as info:
        validate_params({"current_user": {"type": "json"}}, {"current_user": {}})
    assert info.value.code == "bad_query_definition"


def test_very_long_unknown_name_is_clipped_in_the_message() -> None:
    error = fails({}, {"x" * 5000: 1})
    assert len(error.message) < 400


# ------------------------------------------------------------------- required / null / default


def test_missing_required_param() -> None:
    error = fails({"a": {"type": "integer"}}, {})
    assert (error.field, error.code) == ("params.a", "missing_param")


def test_null_for_a_non_nullable_param() -> None:
    error = fails({"a": {"type": "integer"}}, {"a": None})
    assert error.field == "params.a"
    assert "null" in error.message


def test_nullable_and_default_and_optional() -> None:
    declared = {
        "n": {"type": "integer", "nullable": True},
        "d": {"type": "integer", "default": 7},
        "o": {"type": "string", "required": False},
        "dn": {"type": "date", "default": None, "nullable": True},
        "dd": {"type": "date", "default": "2024-02-29"},
    }
    assert validate_params(declared, {}) == {
        "n": None,
        "d": 7,
        "o": None,
        "dn": None,
        "dd": date(2024, 2, 29),
    }
    assert validate_params(declared, {"n": None, "d": 1, "o": "x"})["d"] == 1
    # required: true wins over nullable
    error = fails({"a": {"type": "integer", "nullable": True, "required": True}}, {})
    assert error.code == "missing_param"


# ------------------------------------------------------------------- types, no coercion

STRICT_CASES: list[tuple[str, Any]] = [
    ("integer", "1"),
    ("integer", True),
    ("integer", False),
    ("integer", 1.0),
    ("integer", 1.5),
    ("integer", [1]),
    ("integer", {"v": 1}),
    ("integer", 2**63),
    ("integer", -(2**63) - 1),
    ("number", "1.5"),
    ("number", True),
    ("number", math.nan),
    ("number", math.inf),
    ("number", 10**30),
    ("boolean", "true"),
    ("boolean", 1),
    ("boolean", 0),
    ("string", 1),
    ("string", True),
    ("string", ["a"]),
    ("string", "a\x00b"),
    ("string", "\ud800"),
    ("date", "2024-02-30"),
    ("date", "2024-1-1"),
    ("date", "20240101"),
    ("date", "2024-01-01T00:00:00"),
    ("date", 20240101),
    ("datetime", "2024-01-01"),
    ("datetime", "yesterday"),
    ("datetime", "2024-13-01T00:00:00Z"),
    ("datetime", "2024-01-01T25:00:00Z"),
    ("datetime", 1700000000),
    ("json", math.nan),
    ("json", {"a": [1, math.inf]}),
    ("json", {"a": "\ud800"}),
]


@pytest.mark.parametrize(("kind", "value"), STRICT_CASES)
def test_wrong_types_are_422_naming_the_field(kind: str, value: Any) -> None:
    error = fails({"p": {"type": kind}}, {"p": value})
    assert error.field == "params.p"
    assert error.code == "invalid_param"
    assert error.message.startswith("params.p: ")


ACCEPTED: list[tuple[str, Any, Any]] = [
    ("integer", 0, 0),
    ("integer", -(2**63), -(2**63)),
    ("integer", 2**63 - 1, 2**63 - 1),
    ("number", 1, 1),
    ("number", 1.5, 1.5),
    ("boolean", False, False),
    ("string", "", ""),
    ("string", "ünïcødé 𝄞", "ünïcødé 𝄞"),
    ("date", "2024-02-29", date(2024, 2, 29)),
    ("datetime", "2024-01-31T13:45:00Z", datetime(2024, 1, 31, 13, 45, tzinfo=UTC)),
    (
        "datetime",
        "2024-01-31T13:45:00.123+02:00",
        datetime(2024, 1, 31, 13, 45, 0, 123000, tzinfo=timezone(timedelta(hours=2))),
    ),
    ("datetime", "2024-01-31 13:45", datetime(2024, 1, 31, 13, 45)),
    ("json", {"a": [1, "x", None, True]}, {"a": [1, "x", None, True]}),
    ("json", "text", "text"),
    ("json", 5, 5),
]


@pytest.mark.parametrize(("kind", "value", "expected"), ACCEPTED)
def test_valid_values_are_returned_typed(kind: str, value: Any, expected: Any) -> None:
    result = validate_params({"p": {"type": kind}}, {"p": value})["p"]
    assert result == expected
    assert type(result) is type(expected)


# ------------------------------------------------------------------- bounds


def test_string_bounds_pattern_and_enum() -> None:
    declared = {"s": {"type": "string", "minLength": 2, "maxLength": 4, "pattern": "^[a-z]+$"}}
    assert validate_params(declared, {"s": "abc"}) == {"s": "abc"}
    for bad in ("a", "abcde", "ABC", "ab1"):
        assert fails(declared, {"s": bad}).field == "params.s"
    enum = {"s": {"type": "string", "enum": ["open", "closed"]}}
    assert validate_params(enum, {"s": "open"}) == {"s": "open"}
    assert "open" in fails(enum, {"s": "Open"}).message


def test_pattern_is_a_search_so_authors_anchor_it() -> None:
    declared = {"s": {"type": "string", "pattern": "[0-9]"}}
    assert validate_params(declared, {"s": "ab1"}) == {"s": "ab1"}
    fails(declared, {"s": "abc"})


def test_number_bounds_and_enum() -> None:
    declared = {"i": {"type": "integer", "min": 0, "max": 10}, "n": {"type": "number", "min": 0.5}}
    assert validate_params(declared, {"i": 10, "n": 0.5}) == {"i": 10, "n": 0.5}
    assert fails(declared, {"i": -1, "n": 1}).field == "params.i"
    assert fails(declared, {"i": 11, "n": 1}).field == "params.i"
    assert fails(declared, {"i": 1, "n": 0.4}).field == "params.n"
    enum = {"i": {"type": "integer", "enum": [1, 2]}}
    assert validate_params(enum, {"i": 2}) == {"i": 2}
    fails(enum, {"i": 3})
    fails(enum, {"i": True})


def test_arrays_of_scalars() -> None:
    declared = {"ids": {"type": "array", "items": {"type": "integer", "min": 1}, "maxItems": 3}}
    assert validate_params(declared, {"ids": [1, 2, 3]}) == {"ids": [1, 2, 3]}
    assert validate_params(declared, {"ids": []}) == {"ids": []}
    assert fails(declared, {"ids": [1, 2, 3, 4]}).field == "params.ids"
    assert fails(declared, {"ids": [1, "2"]}).field == "params.ids[1]"
    assert fails(declared, {"ids": [1, True]}).field == "params.ids[1]"
    assert fails(declared, {"ids": [0]}).field == "params.ids[0]"
    assert fails(declared, {"ids": [None]}).field == "params.ids[0]"
    assert fails(declared, {"ids": 1}).field == "params.ids"
    assert fails(declared, {"ids": [[1]]}).field == "params.ids[0]"
    dates = {"d": {"type": "array", "items": {"type": "date"}}}
    assert validate_params(dates, {"d": ["2024-01-01"]}) == {"d": [date(2024, 1, 1)]}
    nullable_items = {"x": {"type": "array", "items": {"type": "string", "nullable": True}}}
    assert validate_params(nullable_items, {"x": ["a", None]}) == {"x": ["a", None]}


def test_arrays_have_a_default_item_limit() -> None:
    declared = {"ids": {"type": "array", "items": {"type": "integer"}}}
    assert len(validate_params(declared, {"ids": [1] * DEFAULT_MAX_ITEMS})["ids"]) == 1000
    assert fails(declared, {"ids": [1] * (DEFAULT_MAX_ITEMS + 1)}).field == "params.ids"


def test_deeply_nested_json_is_not_a_crash() -> None:
    value: Any = 1
    for _ in range(5000):
        value = [value]
    assert validate_params({"j": {"type": "json"}}, {"j": value})["j"] is value


# ------------------------------------------------------------------- declarations


@pytest.mark.parametrize(
    "declared",
    [
        {"p": {"type": "text"}},
        {"p": {}},
        {"p": "string"},
        {"p": {"type": "array"}},
        {"p": {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}}},
        {"p": {"type": "array", "items": {"type": "json"}}},
        {"p": {"type": "string", "pattern": "("}},
        {"p": {"type": "string", "maxLength": "10"}},
        {"p": {"type": "integer", "min": "0"}},
        {"p": {"type": "integer", "default": "1"}},
        {"p": {"type": "string", "enum": []}},
        {"p": {"type": "integer", "enum": [1, "2"]}},
        {"p": {"type": "string", "required": "yes"}},
        {"bad-name": {"type": "string"}},
    ],
)
def test_bad_declarations_are_reported_and_refused(declared: dict[str, Any]) -> None:
    assert declaration_errors(declared)
    with pytest.raises(BadRequest) as info:
        validate_params(declared, {})
    assert info.value.code == "bad_query_definition"
    assert info.value.status_code == 400


def test_good_declaration_has_no_errors() -> None:
    assert (
        declaration_errors(
            {
                "search": {"type": "string", "maxLength": 100, "value": "{{ search.value }}"},
                "ids": {"type": "array", "items": {"type": "integer"}, "maxItems": 50},
                "since": {"type": "date", "default": "2024-01-01"},
                "token": {"type": "string", "secret": True},
            }
        )
        == []
    )


# ------------------------------------------------------------------- audit


def test_audit_params_redacts_secrets_and_clips() -> None:
    declared = {
        "token": {"type": "string", "secret": True},
        "day": {"type": "date"},
        "long": {"type": "string"},
        "ids": {"type": "array", "items": {"type": "integer"}},
    }
    values = validate_params(
        declared,
        {"token": "hunter2", "day": "2024-01-02", "long": "x" * 5000, "ids": list(range(500))},
    )
    audited = audit_params(declared, values)
    assert audited["token"] == "***"
    assert audited["day"] == "2024-01-02"
    assert len(audited["long"]) < 600
    assert len(audited["ids"]) == 101
    assert "hunter2" not in repr(audited)


# ------------------------------------------------------------------- fuzz: never a 500

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
FUZZ_DECLARED: dict[str, dict[str, Any]] = {
    "s": {"type": "string", "maxLength": 10, "pattern": "^[a-z]*$", "required": False},
    "i": {"type": "integer", "min": 0, "required": False},
    "n": {"type": "number", "nullable": True},
    "b": {"type": "boolean", "default": False},
    "d": {"type": "date", "required": False},
    "t": {"type": "datetime", "required": False},
    "j": {"type": "json", "required": False},
    "a": {"type": "array", "items": {"type": "integer"}, "required": False},
}


@settings(max_examples=400, deadline=None)
@given(st.one_of(JSON, st.dictionaries(st.sampled_from(sorted(FUZZ_DECLARED)), JSON)))
def test_any_json_input_is_a_value_or_a_422(given_value: Any) -> None:
    try:
        result = validate_params(FUZZ_DECLARED, given_value)
    except InsetError as exc:
        assert exc.status_code == 422
        assert exc.field is not None and exc.field.startswith("params")
    else:
        assert set(result) == set(FUZZ_DECLARED)
