// The runtime's state store: auto queries (debounced, stale answers ignored), actions,
// query state, host messages. Runs in Node with a fake API (node --test tests/js/).
// INSET_RUNTIME_STATIC may point at another copy of the static dir (e.g. to try a build).
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath, pathToFileURL } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const staticDir = process.env.INSET_RUNTIME_STATIC || path.join(here, "../../src/inset/runtime/static");
const { createStore, AUTO_QUERY_DEBOUNCE_MS } = await import(pathToFileURL(path.join(staticDir, "state.js")).href);
const { ApiError } = await import(pathToFileURL(path.join(staticDir, "api.js")).href);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function deferred() {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A fake api whose runQuery answers are controlled by the test. */
function fakeApi() {
  const calls = [];
  const events = [];
  return {
    calls,
    events,
    runQuery(name, params, { signal } = {}) {
      const d = deferred();
      calls.push({ name, params, signal, ...d });
      return d.promise;
    },
    sendEvent(event) {
      events.push(event);
      return Promise.resolve(null);
    },
    getApp: () => Promise.reject(new Error("unused")),
    logout: () => Promise.resolve(null),
  };
}

function fakeMessenger() {
  const posted = [];
  return {
    posted,
    enabled: true,
    post: (type, payload = {}) => posted.push({ ...payload, type, version: 1 }),
    postRaw: (message) => posted.push(message),
  };
}

const APP = {
  app: { uuid: "u", slug: "s", name: "Portal", version: "1.0.0" },
  pages: [
    {
      name: "inventory",
      title: "Inventory",
      components: [
        { id: "search", type: "text_input", value: "bolt" },
        { id: "qty", type: "number_input" },
        { id: "stockTable", type: "table", data: "{{ queries.inventory.data }}" },
        { id: "box", type: "container", children: [{ id: "inner", type: "text_input" }] },
      ],
    },
    { name: "invoices", title: "Invoices", components: [] },
  ],
  queries: {
    inventory: { kind: "read", trigger: "auto", params: { search: { type: "string", value: "{{ search.value }}" } } },
    update: {
      kind: "write",
      trigger: "manual",
      params: { sku: { type: "string", value: "{{ stockTable.selectedRow.sku }}" }, quantity: { type: "integer", value: "{{ qty.value }}" } },
    },
    customer: { kind: "parent", selector: "customerId" },
  },
};

function setup() {
  const api = fakeApi();
  const messenger = fakeMessenger();
  const store = createStore({ app: structuredClone(APP), api, messenger });
  return { api, messenger, store };
}

test("component state starts from the catalogue defaults and literal values", () => {
  const { store } = setup();
  assert.deepEqual(store.componentState("search").value, { value: "bolt" });
  assert.deepEqual(store.componentState("qty").value, { value: null });
  assert.equal(store.componentState("inner").value.value, "", "nested children get state too");
  assert.equal(store.componentState("stockTable").value.selectedRow, null);
  assert.equal(store.componentState("stockTable").value.page, 0);
});

test("auto query runs at once, then debounced when its params change, ignoring stale answers", async () => {
  const { api, store } = setup();
  store.startAutoQueries();
  assert.equal(api.calls.length, 1);
  assert.deepEqual(api.calls[0].params, { search: "bolt" });
  assert.equal(store.queryState("inventory").value.isLoading, true);

  store.setComponentState("search", { value: "g" });
  store.setComponentState("search", { value: "ge" });
  store.setComponentState("search", { value: "gear" });
  assert.equal(api.calls.length, 1, "debounced");
  await sleep(AUTO_QUERY_DEBOUNCE_MS + 50);
  assert.equal(api.calls.length, 2, "one run for three keystrokes");
  assert.deepEqual(api.calls[1].params, { search: "gear" });
  assert.equal(api.calls[0].signal.aborted, true, "the stale request is aborted");

  // The stale answer arrives late: ignored.
  api.calls[0].resolve({ rows: [{ sku: "OLD" }], columns: [{ name: "sku" }], rowCount: 1, truncated: false });
  api.calls[1].resolve({ rows: [{ sku: "G1" }, { sku: "G2" }], columns: [{ name: "sku" }], rowCount: 2, truncated: false });
  await sleep(0);
  const s = store.queryState("inventory").value;
  assert.deepEqual(s.data, [{ sku: "G1" }, { sku: "G2" }]);
  assert.deepEqual(s.columns, ["sku"]);
  assert.equal(s.rowCount, 2);
  assert.equal(s.isLoading, false);
  assert.equal(s.error, null);

  // Same params again: no run.
  store.setComponentState("search", { value: "gear" });
  await sleep(AUTO_QUERY_DEBOUNCE_MS + 50);
  assert.equal(api.calls.length, 2);
  store.dispose();
});

test("a failed query keeps its last data and exposes a readable error", async () => {
  const { api, store } = setup();
  store.startAutoQueries();
  api.calls[0].resolve({ rows: [{ sku: "A" }], columns: [], rowCount: 1, truncated: false });
  await sleep(0);
  const run = store.runQuery("inventory");
  api.calls[1].reject(new ApiError(502, "query_failed", "The database is not reachable."));
  await assert.rejects(run, /not reachable/);
  const s = store.queryState("inventory").value;
  assert.equal(s.error, "The database is not reachable.");
  assert.equal(s.errorCode, "query_failed");
  assert.deepEqual(s.data, [{ sku: "A" }]);
  store.dispose();
});

test("bindings read query data and component state", async () => {
  const { api, store } = setup();
  store.startAutoQueries();
  assert.equal(store.evaluate("{{ search.value }}").value, "bolt");
  assert.equal(store.evaluate("plain").value, "plain");
  assert.equal(store.evaluate(42).value, 42);
  api.calls[0].resolve({ rows: [{ sku: "A" }], columns: [], rowCount: 1, truncated: false });
  await sleep(0);
  assert.deepEqual(store.evaluate("{{ queries.inventory.data }}").value, [{ sku: "A" }]);
  assert.equal(store.evaluate("{{ app.name }}").value, "Portal");
  assert.ok(store.evaluate("{{ 1 + }}").error, "a broken binding is an error, not a crash");
  assert.equal(store.evaluate("{{ stockTable.selectedRow.sku }}").error, null);
  assert.deepEqual(store.queriesIn("{{ queries.inventory.data }}"), ["inventory"]);
  assert.deepEqual(store.queriesIn("no binding"), []);
  store.dispose();
});

test("run, set and notify actions; a failing run stops the chain", async () => {
  const { api, store } = setup();
  store.setComponentState("stockTable", { selectedRow: { sku: "A1" } });
  store.setComponentState("qty", { value: 7 });
  const done = store.runActions([
    { run: "update" },
    { set: "search.value", value: "{{ stockTable.selectedRow.sku }}" },
    { notify: "Saved {{ stockTable.selectedRow.sku }}", level: "success" },
  ]);
  assert.equal(api.calls.length, 1);
  assert.deepEqual(api.calls[0].params, { sku: "A1", quantity: 7 });
  api.calls[0].resolve({ affectedRows: 1 });
  assert.equal(await done, true);
  assert.equal(store.queryState("update").value.affectedRows, 1);
  assert.equal(store.componentState("search").value.value, "A1");
  assert.deepEqual(store.toasts.value.map((t) => [t.text, t.kind]), [["Saved A1", "success"]]);

  const failing = store.runActions([{ run: "update" }, { notify: "not reached" }]);
  api.calls[1].reject(new ApiError(422, "validation_error", "quantity: must be at least 0", "quantity"));
  assert.equal(await failing, false);
  assert.deepEqual(store.toasts.value.map((t) => t.text), ["Saved A1", "quantity: must be at least 0"]);
  assert.equal(store.toasts.value[1].kind, "error");

  const handled = store.runActions([{ run: "update", on_failure: [{ notify: "Could not save" }] }]);
  api.calls[2].reject(new ApiError(500, "internal_error", "boom"));
  assert.equal(await handled, false);
  assert.equal(store.toasts.value.at(-1).text, "Could not save");
  store.dispose();
});

test("navigation records page views and tells the host, except for host-driven moves", () => {
  const { api, messenger, store } = setup();
  assert.equal(store.navigate("inventory", { initial: true }), true);
  assert.equal(store.page.value.name, "inventory");
  assert.equal(store.navigate("invoices"), true);
  assert.equal(store.navigate("invoices"), false, "already there");
  assert.equal(store.navigate("nope"), false);
  store.handleMessage({ type: "inset:navigate", page: "inventory" });
  assert.deepEqual(api.events, [
    { type: "page.viewed", page: "inventory" },
    { type: "page.viewed", page: "invoices" },
    { type: "page.viewed", page: "inventory" },
  ]);
  assert.deepEqual(messenger.posted.filter((m) => m.type === "inset:navigate"), [{ page: "invoices", type: "inset:navigate", version: 1 }]);
});

test("parent queries ask the host (Retool protocol) and take its answer", () => {
  const { messenger, store } = setup();
  store.navigate("inventory", { initial: true });
  store.startParentQueries();
  const ask = messenger.posted.find((m) => m.type === "PARENT_WINDOW_QUERY");
  assert.equal(ask.selector, "customerId");
  assert.equal(ask.pageName, "inventory");
  assert.equal(store.queryState("customer").value.isLoading, true);
  store.handleMessage({ type: "PARENT_WINDOW_RESULT", id: "someone-else", result: 1 });
  assert.equal(store.queryState("customer").value.data, null);
  store.handleMessage({ type: "PARENT_WINDOW_RESULT", id: ask.id, result: "ACME", pageName: "inventory" });
  assert.equal(store.queryState("customer").value.data, "ACME");
  assert.equal(store.queryState("customer").value.isLoading, false);
  store.handleMessage({ type: "inset:data", data: { customerId: 42 } });
  assert.equal(store.evaluate("{{ queries.customer.data }}").value, 42);
  store.dispose();
});
