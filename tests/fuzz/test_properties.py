"""Hypothesis properties of the three interpreters of untrusted input: param validation,
the expression evaluator and SQL compilation. Derandomized, so CI is deterministic."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inset.apps.expressions import ExpressionError, evaluate, parse
from inset.errors import ValidationFailed
from inset.queries.compiler import SqlCompileError, compile_sql, render
from inset.queries.params import validate_params
from inset.queries.service import bind

PROPERTY = settings(
    max_examples=200,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)

# ---------------------------------------------------------------- param validation

SCALARS = {
    "string": {"maxLength": 5},
    "integer": {"min": -10, "max": 10},
    "number": {"max": 1e6},
    "boolean": {},
    "date": {},
    "datetime": {},
}
DECLARED: dict[str, dict[str, Any]] = {
    **{f"p_{kind}": {"type": kind, **bounds} for kind, bounds in SCALARS.items()},
    "p_json": {"type": "json"},
    "p_array": {"type": "array", "items": {"type": "integer"}, "maxItems": 3},
    "p_enum": {"type": "string", "enum": ["a", "b"]},
}
EXPECTED_TYPES: dict[str, tuple[type, ...]] = {
    "p_string": (str,),
    "p_integer": (int,),
    "p_number": (int, float),
    "p_boolean": (bool,),
    "p_enum": (str,),
    "p_array": (list,),
}
names = st.sampled_from([*DECLARED, "unknown", "current_user", ""])


@PROPERTY
@given(st.one_of(json_values, st.dictionaries(names, json_values, max_size=6)))
def test_params_validate_or_refuse_with_a_field(given_params: Any) -> None:
    try:
        values = validate_params(DECLARED, given_params)
    except ValidationFailed as exc:
        assert exc.status_code == 422
        assert exc.field is not None and exc.field.startswith("params"), exc.field
        return
    assert set(values) == set(DECLARED)
    for name, kinds in EXPECTED_TYPES.items():
        if values[name] is not None:
            assert isinstance(values[name], kinds), (name, values[name])
    if values["p_integer"] is not None:
        assert not isinstance(values["p_integer"], bool) and -10 <= values["p_integer"] <= 10
    if values["p_string"] is not None:
        assert len(values["p_string"]) <= 5
    if values["p_enum"] is not None:
        assert values["p_enum"] in ("a", "b")


# ---------------------------------------------------------------- expressions

EXPRESSION_ALPHABET = "abxyz019 .,:;?!()[]{}+-*/%<>=&|'\"\\`$_\n"
expression_texts = st.text(alphabet=EXPRESSION_ALPHABET, max_size=40) | st.text(max_size=40)
SCOPE = {"a": {"b": [1, 2, {"x": "y"}]}, "x": 3, "y": "text", "z": None, "b": True}


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=repr, allow_nan=True)


@PROPERTY
@given(expression_texts)
def test_expressions_parse_or_raise_their_own_error(text: str) -> None:
    try:
        parse(text)
    except ExpressionError as exc:
        assert 0 <= exc.offset <= len(text) + 1


@PROPERTY
@given(expression_texts, st.dictionaries(st.sampled_from("abxyz"), json_values, max_size=4))
def test_evaluation_is_deterministic_and_raises_only_its_own_error(
    text: str, overrides: dict[str, Any]
) -> None:
    scope = {**SCOPE, **overrides}
    outcomes = []
    for _ in range(2):
        try:
            outcomes.append(("value", _canonical(evaluate(text, scope))))
        except ExpressionError as exc:
            outcomes.append(("error", str(exc)))
    assert outcomes[0] == outcomes[1]


@settings(PROPERTY, max_examples=30)
@given(st.integers(min_value=1, max_value=3000))
def test_deeply_nested_expressions_fail_cleanly(depth: int) -> None:
    for text in ("(" * depth + "1" + ")" * depth, "[" * depth + "]" * depth, "-" * depth + "1"):
        try:
            evaluate(text, SCOPE)
        except ExpressionError:
            pass  # "nested too deeply" is fine; a RecursionError or a crash is not


# ---------------------------------------------------------------- SQL compilation

PARAMS = ("alpha", "beta", "gamma")
# SQL text with no quotes, comments or braces, so every {{ }} between them is a binding.
safe_sql = st.text(alphabet="selctfromwhe =<>,() *0123456789_\n", max_size=15)
marked = st.text(min_size=1, max_size=20).map(lambda s: f"VAL:{s}")
DECLARED_SQL = {
    "alpha": {"type": "string"},
    "beta": {"type": "array", "items": {"type": "string"}},
    "gamma": {"type": "json"},
}
param_values = st.fixed_dictionaries(
    {
        "alpha": marked,
        "beta": st.lists(marked, min_size=1, max_size=3),
        "gamma": json_values.map(lambda v: ["VAL:", v]),
    }
)


@PROPERTY
@given(
    st.lists(st.tuples(safe_sql, st.sampled_from(PARAMS)), min_size=1, max_size=6),
    safe_sql,
    param_values,
)
def test_placeholders_become_bind_parameters_never_text(
    pieces: list[tuple[str, str]], tail: str, values: dict[str, Any]
) -> None:
    sql = "".join(f"{text}{{{{ {name} }}}}" for text, name in pieces) + tail
    compiled = compile_sql(sql, set(PARAMS))
    assert len(compiled["parts"]) == len(compiled["bindings"]) + 1 == len(pieces) + 1
    assert [b["param"] for b in compiled["bindings"]] == [name for _, name in pieces]
    bound, bind_values = bind("q", compiled, DECLARED_SQL, values, {})
    text = render(bound, "?", escape_percent=False)
    assert "VAL:" not in text and "{{" not in text
    assert text.count("?") == len(bind_values)
    # An array param expands to one placeholder per item; the others are one each.
    expected = sum(len(values[n]) if n == "beta" else 1 for _, n in pieces)
    assert len(bind_values) == expected


@PROPERTY
@given(st.text(max_size=60) | st.text(alphabet="{}'\"-/*\n abc", max_size=40))
def test_arbitrary_sql_compiles_or_raises_its_own_error(sql: str) -> None:
    try:
        compiled = compile_sql(sql, set(PARAMS))
    except SqlCompileError:
        return
    assert len(compiled["parts"]) == len(compiled["bindings"]) + 1
