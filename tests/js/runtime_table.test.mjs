// Pure logic of the runtime's table and value formatting (node --test tests/js/).
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  compareValues, filterRows, nextSort, paginate, resolveColumns, sortRows, tableView,
} from "../../src/inset/runtime/static/table-model.js";
import { formatValue, isNumericFormat, safeHref, toDate } from "../../src/inset/runtime/static/format.js";

const rows = [
  { sku: "A10", name: "Bolt", qty: 5, price: 1.5 },
  { sku: "A2", name: "Nut", qty: null, price: 0.25 },
  { sku: "B1", name: "gear", qty: 12, price: 10 },
  { sku: "A1", name: "Washer", qty: 5, price: null },
];

test("resolveColumns keeps the author's columns and fills labels", () => {
  assert.deepEqual(resolveColumns([{ key: "sku" }, { key: "qty", label: "Quantity", format: "number" }], rows), [
    { key: "sku", label: "sku" },
    { key: "qty", label: "Quantity", format: "number" },
  ]);
});

test("resolveColumns derives columns from the union of row keys, in first-seen order", () => {
  assert.deepEqual(resolveColumns(undefined, [{ a: 1 }, { b: 2, a: 3 }, null]).map((c) => c.key), ["a", "b"]);
  assert.deepEqual(resolveColumns([], []), []);
});

test("compareValues: numbers numerically, strings naturally, nulls last", () => {
  assert.ok(compareValues(2, 10) < 0);
  assert.ok(compareValues("A2", "A10") < 0);
  assert.ok(compareValues("a", "B") < 0);
  assert.ok(compareValues(null, 1) > 0);
  assert.ok(compareValues(1, undefined) < 0);
  assert.equal(compareValues(null, ""), 0);
});

test("sortRows is stable and keeps nulls last in both directions", () => {
  assert.deepEqual(sortRows(rows, "qty", "asc").map((r) => r.sku), ["A10", "A1", "B1", "A2"]);
  assert.deepEqual(sortRows(rows, "qty", "desc").map((r) => r.sku), ["B1", "A10", "A1", "A2"]);
  assert.deepEqual(sortRows(rows, "sku", "asc").map((r) => r.sku), ["A1", "A2", "A10", "B1"]);
  assert.deepEqual(sortRows(rows, "price", "desc").map((r) => r.sku), ["B1", "A10", "A2", "A1"]);
  assert.equal(sortRows(rows, null, "asc"), rows);
  assert.deepEqual(rows.map((r) => r.sku), ["A10", "A2", "B1", "A1"], "input not mutated");
});

test("nextSort cycles asc -> desc -> none, and restarts on another column", () => {
  assert.deepEqual(nextSort(null, "a"), { key: "a", direction: "asc" });
  assert.deepEqual(nextSort({ key: "a", direction: "asc" }, "a"), { key: "a", direction: "desc" });
  assert.equal(nextSort({ key: "a", direction: "desc" }, "a"), null);
  assert.deepEqual(nextSort({ key: "a", direction: "desc" }, "b"), { key: "b", direction: "asc" });
});

test("filterRows matches every word, case-insensitively, on raw and formatted cells", () => {
  const cols = [{ key: "sku" }, { key: "name" }, { key: "price", format: "currency" }];
  assert.deepEqual(filterRows(rows, cols, "GEAR").map((r) => r.sku), ["B1"]);
  assert.deepEqual(filterRows(rows, cols, "a1 washer").map((r) => r.sku), ["A1"]);
  assert.deepEqual(filterRows(rows, cols, "$10.00").map((r) => r.sku), ["B1"]);
  assert.equal(filterRows(rows, cols, "  ").length, 4);
});

test("paginate clamps the page and reports 1-based ranges", () => {
  const list = Array.from({ length: 23 }, (_, i) => i);
  assert.deepEqual(paginate(list, 0, 10), { rows: list.slice(0, 10), page: 0, pageCount: 3, start: 1, end: 10, total: 23 });
  assert.deepEqual(paginate(list, 2, 10).rows, [20, 21, 22]);
  assert.equal(paginate(list, 99, 10).page, 2);
  assert.equal(paginate(list, -1, 10).page, 0);
  assert.equal(paginate(list, 0, 0).rows.length, 10, "bad page size falls back to 10");
  assert.deepEqual(paginate([], 3, 10), { rows: [], page: 0, pageCount: 1, start: 0, end: 0, total: 0 });
});

test("tableView searches, then sorts, then pages", () => {
  const cols = [{ key: "sku" }, { key: "name" }];
  const view = tableView(rows, { columns: cols, searchText: "a", sort: { key: "sku", direction: "desc" }, page: 0, pageSize: 2 });
  assert.deepEqual(view.rows.map((r) => r.sku), ["B1", "A10"]);
  assert.equal(view.total, 4);
  assert.equal(tableView(null, { columns: cols, page: 0, pageSize: 2 }).total, 0);
});

test("formatValue formats each column format", () => {
  const en = { locale: "en-US" };
  assert.equal(formatValue(null, "number"), "");
  assert.equal(formatValue(undefined, "text"), "");
  assert.equal(formatValue(1234.5678, "number", en), "1,234.57");
  assert.equal(formatValue("12", "number", en), "12");
  assert.equal(formatValue("abc", "number", en), "abc");
  assert.equal(formatValue(3, "number", { ...en, decimals: 2 }), "3.00");
  assert.equal(formatValue(9.5, "currency", en), "$9.50");
  assert.equal(formatValue(9.5, "currency", { ...en, currency: "eur" }), "€9.50");
  assert.equal(formatValue(9.5, "currency", { ...en, currency: "not a code" }), "$9.50");
  assert.equal(formatValue(0.256, "percent", en), "25.6%");
  assert.equal(formatValue("2026-03-05", "date", en), "Mar 5, 2026");
  assert.equal(formatValue("not a date", "date", en), "not a date");
  assert.equal(formatValue(true, "boolean"), "Yes");
  assert.equal(formatValue(0, "boolean"), "No");
  assert.equal(formatValue({ a: 1 }, "json"), '{"a":1}');
  assert.equal(formatValue({ a: 1 }), '{"a":1}');
  assert.equal(formatValue(10234), "10234", "no grouping without a format (ids)");
  assert.equal(formatValue("<b>x</b>", "text"), "<b>x</b>", "text stays text");
});

test("toDate reads bare dates as local calendar days", () => {
  const d = toDate("2026-01-31");
  assert.equal(d.getFullYear(), 2026);
  assert.equal(d.getMonth(), 0);
  assert.equal(d.getDate(), 31);
  assert.equal(toDate(""), null);
  assert.equal(toDate({}), null);
});

test("safeHref allows only http(s) and mailto URLs", () => {
  assert.equal(safeHref("https://example.com/a?b=1"), "https://example.com/a?b=1");
  assert.equal(safeHref("mailto:a@example.com"), "mailto:a@example.com");
  assert.equal(safeHref("javascript:alert(1)"), null);
  assert.equal(safeHref("JaVaScRiPt:alert(1)"), null);
  assert.equal(safeHref("data:text/html,x"), null);
  assert.equal(safeHref("/relative"), null);
  assert.equal(safeHref(42), null);
});

test("isNumericFormat", () => {
  assert.ok(isNumericFormat("currency"));
  assert.ok(!isNumericFormat("date"));
});
