"""The browser evaluator (src/inset/runtime/static/expr.js) under pytest.

Runs the node test file over the shared vectors, and checks that Python and JS agree on a
few thousand generated expressions (values, error messages and offsets).
"""

from __future__ import annotations

import json
import math
import random
import shutil
import struct
import subprocess
from pathlib import Path
from typing import Any

from inset.apps.expressions import FUNCTION_NAMES, ExpressionError, evaluate
from tests.test_expressions import same_value

ROOT = Path(__file__).resolve().parent.parent
EXPR_JS = ROOT / "src/inset/runtime/static/expr.js"
NODE = shutil.which("node") or "/usr/bin/node"

# Reads [{expr, scope}] on stdin, prints [{value} | {error, offset}].
EVALUATE_ALL = """
const { evaluate, FUNCTION_NAMES } = await import(process.argv[1]);
let input = "";
for await (const chunk of process.stdin) input += chunk;
const results = JSON.parse(input).map(({ expr, scope }) => {
  try {
    return { value: evaluate(expr, scope) };
  } catch (error) {
    return { error: error.name === "ExpressionError" ? error.message : String(error),
             offset: error.offset };
  }
});
console.log(JSON.stringify({ results, functions: FUNCTION_NAMES }));
"""


def _node(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [NODE, *args], input=stdin, capture_output=True, text=True, timeout=120, cwd=ROOT
    )


def test_node_runs_every_vector_through_expr_js() -> None:
    result = _node("--test", "tests/js/expr.test.mjs")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout


ATOMS = [
    "0", "1", "2.5", "0.1", "1e21", "1e-7", "-3", "''", "'abc'", "'😀é'", "' a,b '", "null",
    "true", "false", "x", "s", "arr", "obj", "words", "missing", "obj.k", "obj.n", "arr[1]",
    "'2024-03-05T10:20:30+01:00'", "1709649000000", "'eur'", "'YYYY MMM D h:mm A'", "'12.50'",
    "[1, 'a', null]", "{a: 1, '2': [true]}", "{b: 1, '10': 2, '2': 3}", "'\\uD83D\\uDE00'",
    "-0", "5e-324", "1.005", "'ß'", "'JPY'", "'2024-03-05 23:59:59.999-12:00'", "'constructor'",
    "nested.a[0].b", "nested['1']", "nested.z",
]  # fmt: skip
OPERATORS = ["+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "&&", "||", "??"]
FUNCTIONS = sorted(FUNCTION_NAMES)


def _random_expression(rng: random.Random, depth: int = 0) -> str:
    if depth >= 3 or rng.random() < 0.25:
        return rng.choice(ATOMS)

    def sub() -> str:
        return _random_expression(rng, depth + 1)

    kind = rng.randrange(6)
    if kind == 0:
        return f"({sub()} {rng.choice(OPERATORS)} {sub()})"
    if kind == 1:
        return f"{rng.choice('!-+')}{sub()}"
    if kind == 2:
        return (
            f"{sub()}[{sub()}]" if rng.random() < 0.5 else f"{sub()}.{rng.choice(['k', 'length'])}"
        )
    if kind == 3:
        return f"({sub()} ? {sub()} : {sub()})"
    args = ", ".join(sub() for _ in range(rng.choice([1, 1, 2, 2, 3])))
    return f"{rng.choice(FUNCTIONS)}({args})"


def _random_double(rng: random.Random) -> float:
    while True:
        (number,) = struct.unpack("<d", rng.randbytes(8))
        if math.isfinite(number):
            return float(number)


def _python_result(expr: str, scope: dict[str, Any]) -> dict[str, Any]:
    try:
        return {"value": evaluate(expr, scope)}
    except ExpressionError as error:
        return {"error": error.message, "offset": error.offset}


def test_python_and_js_agree_on_generated_expressions() -> None:
    rng = random.Random(20240305)
    cases: list[dict[str, Any]] = []
    for _ in range(3000):
        scope = {
            "x": rng.choice([0, 7, -2.5, 0.1, _random_double(rng)]),
            "s": "a,b,c",
            "arr": [3, 1.5, None, 2],
            "obj": {"k": "v", "2": 1, "n": 5},
            "words": ["b", "a", "é"],
            "nested": {"a": [{"b": "😀"}], "1": None, "z": {"9": 1, "x": 2}},
        }
        cases.append({"expr": _random_expression(rng), "scope": scope})
    for _ in range(1000):  # number formatting over the whole double range
        number = _random_double(rng) if rng.random() < 0.5 else rng.uniform(-1e6, 1e6)
        for expr in ["string(x)", "format_number(x, 2)", "round(x, 3)", "format_percent(x)"]:
            cases.append({"expr": expr, "scope": {"x": number}})

    result = _node(
        "--input-type=module", "-e", EVALUATE_ALL, EXPR_JS.as_uri(), stdin=json.dumps(cases)
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert sorted(answer["functions"]) == FUNCTIONS

    mismatches, errors = [], 0
    for case, js in zip(cases, answer["results"], strict=True):
        python = _python_result(case["expr"], case["scope"])
        errors += "error" in python
        agree = (
            js.get("error") == python.get("error") and js.get("offset") == python.get("offset")
            if "error" in python or "error" in js
            else same_value(python["value"], js["value"])
        )
        if not agree:
            mismatches.append((case, python, js))
    assert 0.1 < errors / len(cases) < 0.9, "generated expressions should mix values and errors"
    assert not mismatches, "\n".join(map(repr, mismatches[:10]))
