// Server-side paging in the store (page, sort and search of a paging: server table sent with
// its query), the server view of a table, and CSV building for downloads (node --test).
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath, pathToFileURL } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const staticDir = process.env.INSET_RUNTIME_STATIC || path.join(here, "../../src/inset/runtime/static");
const load = (name) => import(pathToFileURL(path.join(staticDir, name)).href);
const { createStore, AUTO_QUERY_DEBOUNCE_MS } = await load("state.js");
const { serverView } = await load("table-model.js");
const { csvCell, fileName, toCsv } = await load("download.js");

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function fakeApi() {
  const calls = [];
  return {
    calls,
    runQuery(name, params, options = {}) {
      calls.push({ name, params, paging: options.paging ?? null });
      return Promise.resolve({ rows: [{ id: 1 }], columns: [{ name: "id" }], rowCount: 1, truncated: false, totalRows: 95, paging: options.paging });
    },
    sendEvent: () => Promise.resolve(null),
  };
}

const APP = {
  app: { uuid: "u", slug: "s", name: "Orders", version: "1.0.0" },
  pages: [{
    name: "orders",
    components: [
      { id: "status", type: "text_input", value: "open" },
      { id: "ordersTable", type: "table", data: "{{ queries.orders.data }}", paging: "server", pageSize: 10 },
    ],
  }],
  queries: {
    orders: { kind: "read", trigger: "auto", pagination: "offset", params: { status: { type: "string", value: "{{ status.value }}" } } },
    plain: { kind: "read", trigger: "manual", params: {} },
  },
};

function setup() {
  const api = fakeApi();
  const messenger = { enabled: false, post() {}, postRaw() {} };
  const store = createStore({ app: structuredClone(APP), api, messenger });
  return { api, store };
}

test("a paginated query sends the table's page, sort and search; page clicks run at once", async () => {
  const { api, store } = setup();
  store.startAutoQueries();
  await sleep(0);
  assert.deepEqual(api.calls[0].paging, { limit: 10, offset: 0, sort: null, search: "" });
  assert.equal(store.queryState("orders").value.totalRows, 95);

  store.setComponentState("ordersTable", { page: 2 });
  await sleep(0);
  assert.equal(api.calls.length, 2, "a page change is not debounced");
  assert.deepEqual(api.calls[1].paging, { limit: 10, offset: 20, sort: null, search: "" });

  store.setComponentState("ordersTable", { sort: { key: "amount", direction: "desc" }, page: 0 });
  await sleep(0);
  assert.deepEqual(api.calls[2].paging.sort, { key: "amount", direction: "desc" });
  assert.equal(api.calls[2].paging.offset, 0);
  store.dispose();
});

test("a new filter or search goes back to page 1 and is debounced", async () => {
  const { api, store } = setup();
  store.startAutoQueries();
  await sleep(0);
  store.setComponentState("ordersTable", { page: 3 });
  await sleep(0);
  assert.equal(api.calls.length, 2);
  store.setComponentState("status", { value: "shipped" });
  await sleep(0);
  assert.equal(store.componentState("ordersTable").value.page, 0, "back to the first page");
  assert.equal(api.calls.length, 2, "debounced");
  await sleep(AUTO_QUERY_DEBOUNCE_MS + 50);
  assert.equal(api.calls.length, 3);
  assert.deepEqual(api.calls[2].params, { status: "shipped" });
  assert.equal(api.calls[2].paging.offset, 0);
  store.setComponentState("ordersTable", { searchText: "acme", page: 0 });
  await sleep(AUTO_QUERY_DEBOUNCE_MS + 50);
  assert.equal(api.calls[3].paging.search, "acme");
  store.dispose();
});

test("allRows fetches a paginated query whole, with the table's sort and search", async () => {
  const { api, store } = setup();
  store.setComponentState("ordersTable", { searchText: "x", sort: { key: "id", direction: "asc" }, page: 4 });
  const rows = await store.allRows("orders");
  assert.deepEqual(rows, [{ id: 1 }]);
  const { paging } = api.calls.at(-1);
  assert.equal(paging.offset, 0);
  assert.ok(paging.limit >= 1_000_000, "the server cuts it to its row limit");
  assert.equal(paging.search, "x");
  await store.allRows("plain");
  assert.equal(api.calls.at(-1).paging, null, "other queries send no paging");
});

test("serverView: one page of a server total", () => {
  assert.deepEqual(serverView([{ a: 1 }, { a: 2 }], { total: 12345, offset: 20, page: 2, pageSize: 10 }), {
    rows: [{ a: 1 }, { a: 2 }], page: 2, pageCount: 1235, start: 21, end: 22, total: 12345,
  });
  assert.equal(serverView([], { total: 0, offset: 0, page: 0, pageSize: 10 }).start, 0);
  assert.equal(serverView(null, {}).pageCount, 1);
});

test("csvCell quotes, doubles quotes and defuses formulas", () => {
  assert.equal(csvCell(null), "");
  assert.equal(csvCell("plain"), "plain");
  assert.equal(csvCell('Smith, "Bob"'), '"Smith, ""Bob"""');
  assert.equal(csvCell("two\nlines"), '"two\nlines"');
  for (const danger of ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"]) {
    assert.ok(csvCell(danger).replace(/^"/, "").startsWith("'"), danger);
  }
  assert.equal(csvCell(-2), "-2", "numbers stay numbers");
  assert.equal(csvCell(true), "true");
  assert.equal(csvCell({ a: [1, "x"] }), '"{""a"":[1,""x""]}"');
});

test("toCsv: labels as header, CRLF lines, rows in column order", () => {
  const text = toCsv([{ id: 1, name: "A" }, { id: 2, name: "=B" }], [{ key: "name", label: "Name" }, { key: "id", label: "#" }]);
  assert.equal(text, "Name,#\r\nA,1\r\n'=B,2\r\n");
  assert.equal(toCsv([{ a: 1 }, { b: 2 }]), "a,b\r\n1,\r\n,2\r\n");
  assert.equal(toCsv(42), "value\r\n42\r\n");
});

test("fileName keeps a safe name with the format's extension", () => {
  assert.equal(fileName("orders-export", "json"), "orders-export.json");
  assert.equal(fileName("../../etc/passwd", "csv"), "etc_passwd.csv");
  assert.equal(fileName("", "csv"), "download.csv");
  assert.equal(fileName("report.csv", "csv"), "report.csv");
});
