// The table's badge column format (format.js): the text, the tone from badgeColors, and a
// table search over badge cells (node --test tests/js/).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { BADGE_TONES, badgeTone, formatValue, isNumericFormat } from "../../src/inset/runtime/static/format.js";
import { filterRows } from "../../src/inset/runtime/static/table-model.js";

const colors = { paid: "success", overdue: "danger", open: "info", due: "warning", draft: "neutral", 1: "success", true: "info" };

test("a badge shows the value as text", () => {
  assert.equal(formatValue("paid", "badge"), "paid");
  assert.equal(formatValue(3, "badge"), "3");
  assert.equal(formatValue(false, "badge"), "false");
  assert.equal(formatValue(null, "badge"), "", "no badge for a missing value");
  assert.equal(formatValue(undefined, "badge"), "");
  assert.equal(formatValue({ a: 1 }, "badge"), '{"a":1}');
  assert.equal(formatValue("<b>x</b>", "badge"), "<b>x</b>", "text stays text");
  assert.ok(!isNumericFormat("badge"), "badges are left-aligned");
});

test("badgeTone looks the value up in badgeColors", () => {
  assert.equal(badgeTone("paid", colors), "success");
  assert.equal(badgeTone("overdue", colors), "danger");
  assert.equal(badgeTone("open", colors), "info");
  assert.equal(badgeTone("due", colors), "warning");
  assert.equal(badgeTone("draft", colors), "neutral");
  // Keys are text: numbers and booleans match their text.
  assert.equal(badgeTone(1, colors), "success");
  assert.equal(badgeTone(true, colors), "info");
});

test("badgeTone falls back to neutral", () => {
  assert.equal(badgeTone("void", colors), "neutral", "a value not in the map");
  assert.equal(badgeTone("Paid", colors), "neutral", "keys are case-sensitive");
  assert.equal(badgeTone("paid", undefined), "neutral", "no map");
  assert.equal(badgeTone("paid", null), "neutral");
  assert.equal(badgeTone("paid", "success"), "neutral", "not a map");
  assert.equal(badgeTone("0", ["success"]), "neutral", "a list is not a map");
  assert.equal(badgeTone("paid", { paid: "green" }), "neutral", "not a tone");
  assert.equal(badgeTone("paid", { paid: "inset-badge--x" }), "neutral", "never an arbitrary class");
  assert.equal(badgeTone(null, colors), "neutral");
});

test("badgeTone reads only the map's own keys", () => {
  for (const key of ["constructor", "toString", "__proto__", "hasOwnProperty"]) {
    assert.equal(badgeTone(key, colors), "neutral", key);
    assert.equal(badgeTone(key, {}), "neutral", key);
  }
  const map = JSON.parse('{"__proto__": "danger"}');
  assert.equal(badgeTone("__proto__", map), "danger", "an own __proto__ key from JSON");
});

test("every tone has a CSS class in runtime.css", () => {
  assert.deepEqual(BADGE_TONES, ["neutral", "success", "warning", "danger", "info"]);
  const css = readFileSync(new URL("../../src/inset/runtime/static/runtime.css", import.meta.url), "utf8");
  assert.match(css, /\.inset-badge \{/);
  for (const tone of BADGE_TONES.filter((t) => t !== "neutral")) {
    assert.match(css, new RegExp(`\\.inset-badge--${tone} \\{`), tone);
  }
});

test("the table search finds badge cells by their text", () => {
  const rows = [{ n: 1, status: "paid" }, { n: 2, status: "overdue" }];
  const cols = [{ key: "n" }, { key: "status", format: "badge", badgeColors: colors }];
  assert.deepEqual(filterRows(rows, cols, "OVERDUE").map((r) => r.n), [2]);
});
