"""The expression language in Python: every shared vector, plus property tests.

The same vectors run through the browser evaluator in tests/js/expr.test.mjs.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inset.apps.expressions import (
    FUNCTION_NAMES,
    ExpressionError,
    Node,
    evaluate,
    evaluate_template,
    parse,
    parse_template,
    template_references,
)

ROOT = Path(__file__).resolve().parent.parent
VECTORS: list[dict[str, Any]] = json.loads(
    (ROOT / "tests/expressions/vectors.json").read_text(encoding="utf-8")
)


def same_value(actual: Any, expected: Any) -> bool:
    """JSON-value equality that tells booleans from numbers and counts 1 == 1.0."""
    if expected is None or isinstance(expected, bool):
        return actual is expected
    if isinstance(expected, int | float):  # compared as doubles, as JSON numbers are
        return (
            isinstance(actual, int | float)
            and not isinstance(actual, bool)
            and (float(actual) == float(expected))
        )
    if isinstance(expected, str):
        return isinstance(actual, str) and actual == expected
    if isinstance(expected, list):
        return (
            isinstance(actual, list | tuple)
            and len(actual) == len(expected)
            and all(same_value(a, e) for a, e in zip(actual, expected, strict=True))
        )
    if isinstance(expected, dict):
        return (
            isinstance(actual, Mapping)
            and set(actual) == set(expected)
            and all(same_value(actual[key], expected[key]) for key in expected)
        )
    raise TypeError(f"not a JSON value: {expected!r}")


def _vector_id(index: int, vector: dict[str, Any]) -> str:
    source = vector.get("expr", vector.get("template", ""))
    return f"{index}:{source[:40]}"


def _run(vector: dict[str, Any]) -> Any:
    scope = vector.get("scope", {})
    if "expr" in vector:
        return evaluate(vector["expr"], scope)
    return evaluate_template(vector["template"], scope)


@pytest.mark.parametrize("vector", VECTORS, ids=[_vector_id(i, v) for i, v in enumerate(VECTORS)])
def test_vector(vector: dict[str, Any]) -> None:
    if "references" in vector:
        assert template_references(vector["template"]) == vector["references"]
    if vector.get("error"):
        with pytest.raises(ExpressionError) as caught:
            _run(vector)
        if "offset" in vector:
            assert caught.value.offset == vector["offset"], caught.value.message
    elif "expected" in vector:
        actual = _run(vector)
        assert same_value(actual, vector["expected"]), f"got {actual!r}"


def test_vectors_cover_the_language() -> None:
    assert len(VECTORS) >= 200
    sources = " ".join(v.get("expr", v.get("template", "")) for v in VECTORS)
    for name in FUNCTION_NAMES:
        assert f"{name}(" in sources, f"no vector calls {name}()"
    for operator in ["+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "&&", "||", "??"]:
        assert f" {operator} " in sources, f"no vector uses {operator}"
    assert sum("references" in v for v in VECTORS) >= 10
    assert sum(bool(v.get("error")) for v in VECTORS) >= 50


def test_spec_documents_every_function() -> None:
    spec = (ROOT / "docs/expressions.md").read_text(encoding="utf-8")
    for name in FUNCTION_NAMES:
        assert re.search(rf"`{name}\(", spec), f"docs/expressions.md does not document {name}()"


def test_error_carries_message_and_offset() -> None:
    with pytest.raises(ExpressionError) as caught:
        evaluate("a.b + true", {"a": {"b": 1}})
    assert caught.value.message == "cannot apply '+' to number and boolean"
    assert caught.value.offset == 4
    assert str(caught.value) == caught.value.message
    assert isinstance(caught.value, ValueError)


def test_integral_results_are_ints() -> None:
    assert type(evaluate("0.5 + 0.5", {})) is int
    assert type(evaluate("1.0", {})) is int
    assert type(evaluate("1 / 4", {})) is float
    assert type(evaluate("x", {"x": 2.0})) is float  # scope values pass through unchanged


def test_parsed_forms_evaluate_like_sources() -> None:
    node = parse("a + 1")
    assert isinstance(node, Node)
    assert evaluate(node, {"a": 1}) == 2
    segments = parse_template("x={{ a }}!")
    assert segments[0] == "x=" and segments[2] == "!"
    assert evaluate_template(segments, {"a": 5}) == "x=5!"


def test_scope_may_hold_tuples_and_any_mapping() -> None:
    class Scope(Mapping[str, Any]):
        def __getitem__(self, key: str) -> Any:
            return {"rows": ({"n": 1}, {"n": 2})}[key]

        def __iter__(self) -> Any:
            return iter(["rows"])

        def __len__(self) -> int:
            return 1

    assert evaluate("rows[1].n + length(rows)", Scope()) == 4
    assert evaluate("slice(rows, 1)", Scope()) == [{"n": 2}]


def test_unsupported_scope_values_are_expression_errors() -> None:
    with pytest.raises(ExpressionError, match="unsupported value"):
        evaluate("'x' + v", {"v": object()})
    assert evaluate("v.anything", {"v": object()}) is None


# ---------------------------------------------------------------------------- properties

EXPRESSION_ALPHABET = st.sampled_from(
    [*"abxy019._ ()[]{},:?!+-*/%<>=&|'\"\\un", "{{", "}}", "length(", "null", "1e3", "😀"]
)
expression_text = st.lists(EXPRESSION_ALPHABET, max_size=40).map("".join)
SCOPE = {"a": {"b": [1, "two", None, {"c": 3.5}]}, "x": 0, "y": "y", "n": None}


@settings(database=None, max_examples=300)
@given(st.one_of(st.text(max_size=80), expression_text))
def test_parse_only_raises_expression_errors(source: str) -> None:
    try:
        parse(source)
    except ExpressionError as error:
        assert 0 <= error.offset <= len(source)


@settings(database=None, max_examples=300)
@given(st.one_of(st.text(max_size=80), expression_text))
def test_templates_only_raise_expression_errors(template: str) -> None:
    try:
        evaluate_template(template, SCOPE)
        template_references(template)
    except ExpressionError as error:
        assert 0 <= error.offset <= len(template)


@settings(database=None, max_examples=300)
@given(expression_text)
def test_evaluation_only_raises_expression_errors(source: str) -> None:
    try:
        evaluate(source, SCOPE)
    except ExpressionError as error:
        assert 0 <= error.offset <= len(source)


def _literal(value: Any) -> str:
    return json.dumps(value) if not isinstance(value, float) else repr(value)


literals = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300),
    st.text(alphabet="ab é😀", max_size=4),
).map(_literal)
OPERATORS = ["+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "&&", "||", "??"]


def _compound(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(inner, st.sampled_from(OPERATORS), inner).map(lambda t: f"({' '.join(t)})"),
        st.tuples(st.sampled_from(["-", "+", "!"]), inner).map("".join),
        st.tuples(inner, inner, inner).map(lambda t: f"({t[0]} ? {t[1]} : {t[2]})"),
        st.lists(inner, max_size=3).map(lambda items: "[" + ", ".join(items) + "]"),
    )


arithmetic = st.recursive(literals, _compound, max_leaves=12)


@settings(database=None, max_examples=400)
@given(arithmetic)
def test_literal_arithmetic_never_crashes(source: str) -> None:
    try:
        value = evaluate(source, {})
    except ExpressionError:
        return
    if isinstance(value, float):
        assert math.isfinite(value)
    assert isinstance(evaluate("string(v)", {"v": value}), str)


@settings(database=None, max_examples=500)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_number_to_string_round_trips(number: float) -> None:
    text = evaluate("string(n)", {"n": number})
    assert float(text) == number
    plain = number == 0 or 1e-6 <= abs(number) < 1e21
    assert ("e" not in text) == plain, text


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text()),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(), inner, max_size=3)
    ),
    max_leaves=10,
)


@settings(database=None, max_examples=200)
@given(json_values)
def test_equality_is_reflexive_and_values_pass_through(value: Any) -> None:
    assert evaluate("v == v", {"v": value}) is True
    assert evaluate_template("{{ v }}", {"v": value}) is value
