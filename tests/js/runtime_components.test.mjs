// Pure logic of the new components: the safe Markdown renderer, form validation and
// chart configs (node --test tests/components/js/).
import { test } from "node:test";
import assert from "node:assert/strict";
import { inline, markdown, safeLink } from "../../src/inset/runtime/static/components/markdown.js";
import { validateField } from "../../src/inset/runtime/static/components/form.js";
import { chartConfig } from "../../src/inset/runtime/static/components/chart.js";

/** A VNode tree as a compact [type, props?, ...children] structure. */
function tree(node) {
  if (Array.isArray(node)) return node.map(tree);
  if (node === null || typeof node !== "object") return node;
  const { children, ...props } = node.props || {};
  const kids = children === undefined ? [] : Array.isArray(children) ? children : [children];
  const shown = Object.fromEntries(Object.entries(props).filter(([, v]) => v !== undefined && v !== null));
  return [node.type, ...(Object.keys(shown).length ? [shown] : []), ...kids.map(tree)];
}

test("inline: bold, italic, code, links; snake_case stays", () => {
  assert.deepEqual(tree(inline("**b** and *i* and `c`")), [
    ["strong", "b"], " and ", ["em", "i"], " and ", ["code", { class: "inset-md-code" }, "c"],
  ]);
  assert.deepEqual(tree(inline("my_var_name")), ["my_var_name"]);
  assert.deepEqual(tree(inline("a \\*not\\* b")), ["a *not* b"]);
  assert.deepEqual(tree(inline("[docs](https://x.test/a)")), [
    ["a", { class: "inset-link", href: "https://x.test/a", target: "_blank", rel: "noopener noreferrer" }, "docs"],
  ]);
});

test("links: only http(s) and mailto; others keep only their text", () => {
  for (const url of ["javascript:alert(1)", "JAVASCRIPT:x", "data:text/html,x", "/relative", "vbscript:x", " java\tscript:x"]) {
    assert.equal(safeLink(url), null, url);
    assert.deepEqual(tree(inline(`[t](${url})`)).flat(Infinity).includes("a"), false, url);
  }
  assert.equal(safeLink("mailto:a@b.test"), "mailto:a@b.test");
  assert.equal(safeLink("HTTPS://x.test"), "HTTPS://x.test");
});

test("raw HTML is text", () => {
  const out = tree(markdown("<script>alert(1)</script> <img src=x onerror=y>"));
  assert.deepEqual(out, [["p", { class: "inset-md-p" }, "<script>alert(1)</script> <img src=x onerror=y>"]]);
});

test("blocks: headings, lists, quotes, code, rules, paragraphs with line breaks", () => {
  const out = tree(markdown("# Title\n\nline one\nline two\n\n- a\n- **b**\n\n1. x\n2. y\n\n> quoted\n\n---\n\n```\n<b>code</b>\n```"));
  assert.deepEqual(out, [
    ["h2", { class: "inset-md-h inset-md-h1" }, "Title"],
    ["p", { class: "inset-md-p" }, "line one", ["br"], "line two"],
    ["ul", { class: "inset-md-list" }, ["li", "a"], ["li", ["strong", "b"]]],
    ["ol", { class: "inset-md-list" }, ["li", "x"], ["li", "y"]],
    ["blockquote", { class: "inset-md-quote" }, ["p", { class: "inset-md-p" }, "quoted"]],
    ["hr", { class: "inset-md-hr" }],
    ["pre", { class: "inset-md-pre" }, ["code", "<b>code</b>"]],
  ]);
  assert.deepEqual(tree(markdown("")), []);
  assert.deepEqual(tree(markdown(null)), []);
});

test("deep nesting is bounded", () => {
  const deep = `${"*".repeat(2000)}x${"*".repeat(2000)}`;
  assert.ok(Array.isArray(markdown(deep)));
});

test("form validation messages", () => {
  const text = { type: "text_input", name: "n", required: true, minLength: 2, maxLength: 4, pattern: "[a-z]+" };
  assert.equal(validateField(text, "", "Name"), "Enter name.");
  assert.equal(validateField(text, "a", "Name"), "Use at least 2 characters.");
  assert.equal(validateField(text, "abcde", "Name"), "Use at most 4 characters.");
  assert.equal(validateField(text, "AB", "Name"), "This isn't in the expected format.");
  assert.equal(validateField({ ...text, patternMessage: "Lower case only." }, "AB"), "Lower case only.");
  assert.equal(validateField(text, "abc", "Name"), null);
  assert.equal(validateField({ ...text, pattern: "(" }, "abc"), null, "a broken pattern never blocks");
  assert.equal(validateField({ type: "text_input", name: "e", inputType: "email" }, "x@"), "Enter an email address, like name@example.com.");
  assert.equal(validateField({ type: "text_input", name: "e" }, ""), null, "optional and empty is fine");
  const num = { type: "number_input", name: "q", min: 1, max: 5, step: 1, required: true };
  assert.equal(validateField(num, null, "Qty"), "Enter qty.");
  assert.equal(validateField(num, 0), "Enter 1 or more.");
  assert.equal(validateField(num, 6), "Enter 5 or less.");
  assert.equal(validateField(num, 2.5), "Enter a whole number.");
  assert.equal(validateField(num, 3), null);
  const date = { type: "date_input", name: "d", min: "2026-01-01", required: true };
  assert.equal(validateField(date, null, "Day"), "Choose day.");
  assert.equal(validateField(date, "2025-12-31"), "Choose 2026-01-01 or later.");
  assert.equal(validateField({ type: "checkbox", name: "ok", required: true }, false, "Terms"), "Tick “Terms” to continue.");
  assert.equal(validateField({ type: "multiselect", name: "m", required: true }, [], "Tags"), "Choose tags.");
});

test("chart configs for each kind", () => {
  const rows = [{ m: "Jan", a: 1, b: "2" }, { m: "Feb", a: null, b: 3 }];
  const theme = { colors: ["#112233", "#445566"], text: "#000", grid: "#eee", font: "sans-serif" };
  const bar = chartConfig({ kind: "bar", x: "m", y: "a" }, rows, theme);
  assert.equal(bar.type, "bar");
  assert.deepEqual(bar.data.labels, ["Jan", "Feb"]);
  assert.deepEqual(bar.data.datasets[0].data, [1, null]);
  const area = chartConfig({ kind: "area", x: "m", series: [{ key: "a" }, { key: "b", label: "B" }], stacked: true }, rows, theme);
  assert.equal(area.type, "line");
  assert.deepEqual(area.data.datasets.map((d) => [d.label, d.fill, d.backgroundColor]), [["a", "origin", "#11223340"], ["B", "-1", "#44556640"]]);
  assert.deepEqual(area.data.datasets[1].data, [2, 3]);
  assert.equal(area.options.scales.y.stacked, true);
  const pie = chartConfig({ kind: "pie", x: "m", y: "b" }, rows, theme);
  assert.equal(pie.type, "pie");
  assert.deepEqual(pie.data.datasets[0].backgroundColor, ["#112233", "#445566"]);
  assert.deepEqual(pie.options.scales, {});
});

test("link targets may hold balanced parentheses", () => {
  assert.deepEqual(tree(inline("[w](https://x.test/a_(b)) end")), [
    ["a", { class: "inset-link", href: "https://x.test/a_(b)", target: "_blank", rel: "noopener noreferrer" }, "w"], " end",
  ]);
  assert.deepEqual(tree(inline("[u](javascript:alert(1)) end")), ["u", " end"]);
});
