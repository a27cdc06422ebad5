// The expression language in the browser evaluator: every shared vector in
// tests/expressions/vectors.json (the same ones tests/test_expressions.py runs through
// Python), plus the runtime-facing API. Run with: node --test tests/js/
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const staticDir = process.env.INSET_RUNTIME_STATIC || path.join(here, "../../src/inset/runtime/static");
const exprPath = path.join(staticDir, "expr.js");
const {
  ExpressionError, FUNCTION_NAMES, evaluate, evaluateTemplate, parse, parseTemplate,
  safeEvaluateTemplate, templateReferences,
} = await import(pathToFileURL(exprPath).href);

const vectors = JSON.parse(readFileSync(path.join(here, "../expressions/vectors.json"), "utf8"));

/** JSON-value equality; object key order is not compared (keys() vectors check order). */
function sameValue(actual, expected) {
  if (expected === null || typeof expected !== "object") return actual === expected;
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length
      && expected.every((item, i) => sameValue(actual[i], item));
  }
  if (actual === null || typeof actual !== "object" || Array.isArray(actual)) return false;
  const keys = Object.keys(expected);
  return keys.length === Object.keys(actual).length
    && keys.every((key) => Object.prototype.hasOwnProperty.call(actual, key)
      && sameValue(actual[key], expected[key]));
}

function run(vector) {
  const scope = vector.scope ?? {};
  return "expr" in vector ? evaluate(vector.expr, scope) : evaluateTemplate(vector.template, scope);
}

for (const [index, vector] of vectors.entries()) {
  const source = vector.expr ?? vector.template;
  test(`vector ${index}: ${source.slice(0, 60)}`, () => {
    if ("references" in vector) {
      assert.deepEqual(templateReferences(vector.template), vector.references);
    }
    if (vector.error) {
      assert.throws(() => run(vector), (error) => {
        assert.ok(error instanceof ExpressionError, `not an ExpressionError: ${error}`);
        if ("offset" in vector) assert.equal(error.offset, vector.offset, error.message);
        return true;
      });
    } else if ("expected" in vector) {
      const actual = run(vector);
      assert.ok(sameValue(actual, vector.expected), `got ${JSON.stringify(actual)}`);
    }
  });
}

test("safeEvaluateTemplate returns {value, error} and never throws", () => {
  assert.deepEqual(safeEvaluateTemplate("{{ a.b }}", { a: { b: [1] } }), { value: [1], error: null });
  const broken = safeEvaluateTemplate("x {{ 1 / 0 }}", {});
  assert.equal(broken.value, null);
  assert.ok(broken.error instanceof ExpressionError);
  assert.equal(broken.error.message, "division by zero");
  assert.equal(broken.error.offset, 7);
  const syntax = safeEvaluateTemplate("{{ a", {});
  assert.equal(syntax.error.offset, 0);
  const notAString = safeEvaluateTemplate(undefined, {});
  assert.ok(notAString.error instanceof ExpressionError);
});

test("errors are Errors with a name, message and offset", () => {
  assert.throws(() => evaluate("a.b + true", { a: { b: 1 } }), (error) => {
    assert.ok(error instanceof Error);
    assert.equal(error.name, "ExpressionError");
    assert.equal(error.message, "cannot apply '+' to number and boolean");
    assert.equal(error.offset, 4);
    return true;
  });
});

test("only own properties are visible, and nothing reaches a prototype", () => {
  const scope = Object.create({ inherited: 1 });
  scope.own = { list: [1] };
  assert.equal(evaluate("inherited", scope), null);
  assert.equal(evaluate("own.list.length", scope), 1);
  assert.equal(evaluate("own.hasOwnProperty", scope), null);
  assert.equal(evaluate("own.list.push", scope), null);
  for (const attempt of ["{__proto__: {polluted: 1}}", "own['__proto__']", "own.constructor"]) {
    assert.throws(() => evaluate(attempt, scope), ExpressionError);
  }
  assert.equal({}.polluted, undefined);
  assert.equal(Object.getPrototypeOf(evaluate("{a: 1}", {})), Object.prototype);
});

test("undefined and functions in the scope read as null", () => {
  assert.equal(evaluate("a", { a: undefined }), null);
  assert.equal(evaluate("f", { f: () => 1 }), null);
  assert.equal(evaluate("[a][0] ?? 'none'", { a: undefined }), "none");
});

test("parsed forms evaluate like sources; parsed templates are cached and frozen", () => {
  assert.equal(evaluate(parse("a + 1"), { a: 1 }), 2);
  const segments = parseTemplate("x={{ a }}!");
  assert.equal(parseTemplate("x={{ a }}!"), segments);
  assert.ok(Object.isFrozen(segments));
  assert.equal(evaluateTemplate(segments, { a: 5 }), "x=5!");
});

test("exports the same function whitelist as the Python evaluator documents", () => {
  assert.ok(FUNCTION_NAMES.includes("format_date"));
  assert.ok(!FUNCTION_NAMES.includes("now"));
});

test("the evaluator has no eval, Function constructor or dynamic code", () => {
  const source = readFileSync(exprPath, "utf8").replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, "");
  for (const forbidden of [/\beval\s*\(/, /\bFunction\s*\(/, /\bimport\s*\(/, /setTimeout|setInterval/]) {
    assert.doesNotMatch(source, forbidden);
  }
});
