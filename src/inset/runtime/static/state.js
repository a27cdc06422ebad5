// Runtime state: component state and query state as signals, expression scope, queries
// (auto re-run on input change, debounced, stale answers ignored), actions and toasts.
//
// Scope for {{ expressions }}: {<componentId>: {...its state}, queries: {<name>: {data,
// isLoading, error, ...}}}. Each binding reads only the signals its references name, so
// a keystroke in one input re-renders only what depends on it.

import { signal, computed, effect, batch, untracked } from "./vendor/signals-core.module.js";
import { safeEvaluateTemplate, templateReferences } from "./expr.js";
import { ApiError } from "./api.js";

export const AUTO_QUERY_DEBOUNCE_MS = 250;
const PARENT_TIMEOUT_MS = 5000;
const TOAST_MS = 5000;
const MAX_CONCURRENT_QUERIES = 4;
const DEFAULT_PAGE_SIZE = 20; // as components/table.js
const DOWNLOAD_LIMIT = 10_000_000; // the server cuts it to its row limit
const PAGED_DATA = /^\{\{\s*queries\.([A-Za-z_][A-Za-z0-9_]*)\.data\s*\}\}$/;

// Initial state per type (keys as in the component catalogue, src/inset/apps/components.py).
// A literal `value` prop is the initial value; a {{ binding }} is evaluated once at start.
const INITIAL_STATE = {
  text_input: (v) => ({ value: v === null || v === undefined ? "" : String(v) }),
  number_input: (v) => ({ value: typeof v === "number" && Number.isFinite(v) ? v : null }),
  table: () => ({ selectedRow: null, selectedRows: [], selectedIndex: null, page: 0, searchText: "", sort: null }),
  date_input: (v) => ({ value: typeof v === "string" && /^\d{4}-\d{2}-\d{2}$/.test(v) ? v : null }),
  select: (v) => ({ value: v === undefined ? null : v, selectedOption: null }),
  multiselect: (v) => ({ value: Array.isArray(v) ? v : [] }),
  checkbox: (v) => ({ value: v === true }),
  switch: (v) => ({ value: v === true }),
  tabs: (v) => ({ value: Number.isInteger(v) && v >= 0 ? v : 0 }),
  modal: () => ({ isOpen: false }),
  form: () => ({ data: {}, isValid: true }),
  file_upload: () => ({ value: [], files: [] }),
};

function isTemplate(value) {
  return typeof value === "string" && value.includes("{{");
}

export function errorText(error) {
  if (!error) return "";
  if (typeof error === "string") return error;
  if (typeof error.message === "string") return error.message;
  return String(error);
}

/** Every component definition in a tree (containers: `children` or `components`). */
export function walkComponents(components, visit) {
  for (const def of Array.isArray(components) ? components : []) {
    if (!def || typeof def !== "object") continue;
    visit(def);
    walkComponents(def.children, visit);
    walkComponents(def.components, visit);
    walkComponents(def.fields, visit); // form fields with an id are app-wide components
    if (Array.isArray(def.tabs)) for (const tab of def.tabs) walkComponents(tab?.children, visit);
  }
}

export function createStore({ app, api, messenger }) {
  const components = new Map(); // id -> {type, state: Signal<object>}
  const queries = new Map(); // name -> {def, state: Signal<object>, seq, abort, timer, lastKey}
  const pages = Array.isArray(app.pages) ? app.pages : [];
  const currentPage = signal(null);
  const toasts = signal([]);
  const sessionEnded = signal(null); // null | {code, message}
  const appInfo = {
    uuid: app.app?.uuid ?? null,
    slug: app.app?.slug ?? null,
    name: app.app?.name ?? null,
    version: app.app?.version ?? null,
  };
  const refCache = new Map(); // template -> string[] of references (or null on parse error)
  const disposers = [];
  let toastId = 0;

  const initial = [];
  for (const page of pages) {
    walkComponents(page.components, (def) => {
      if (typeof def.id !== "string" || components.has(def.id)) return;
      components.set(def.id, { type: def.type, def, state: signal({}) });
      initial.push(def);
    });
  }
  // Tables with paging: server, by the pagination: offset query they page through.
  const pagedTables = new Map(); // query name -> table def
  for (const { def } of components.values()) {
    const match = def.type === "table" && def.paging === "server" && typeof def.data === "string" && PAGED_DATA.exec(def.data);
    if (match && !pagedTables.has(match[1])) pagedTables.set(match[1], def);
  }
  for (const [name, def] of Object.entries(app.queries || {})) {
    queries.set(name, {
      def: def || {},
      state: signal({ data: null, isLoading: false, error: null }),
      seq: 0,
      abort: null,
      timer: null,
      lastKey: null,
      parentId: null,
    });
  }

  // ---- expressions ------------------------------------------------------------------

  function references(template) {
    if (!refCache.has(template)) {
      let refs;
      try {
        refs = templateReferences(template);
      } catch {
        refs = null;
      }
      refCache.set(template, Array.isArray(refs) ? refs : null);
    }
    return refCache.get(template);
  }

  function queryScope(name) {
    const q = queries.get(name);
    return q ? q.state.value : undefined;
  }

  /** The scope a template needs, reading (and so subscribing to) only what it references. */
  function scopeFor(template) {
    const refs = references(template);
    const scope = { app: appInfo };
    const addQueries = (names) => {
      scope.queries = scope.queries || {};
      for (const name of names) {
        const s = queryScope(name);
        if (s !== undefined) scope.queries[name] = s;
      }
    };
    if (refs === null) {
      // Unparseable: give the evaluator everything; it will report the syntax error.
      for (const [id, c] of components) scope[id] = c.state.value;
      addQueries(queries.keys());
      scope.current_page = currentPage.value;
      return scope;
    }
    for (const ref of refs) {
      const [root, second] = String(ref).split(".");
      if (root === "queries") {
        addQueries(second === undefined ? queries.keys() : [second]);
      } else if (root === "current_page") {
        scope.current_page = currentPage.value;
      } else if (components.has(root)) {
        scope[root] = components.get(root).state.value;
      }
    }
    return scope;
  }

  /** {value, error} of a prop: templates are evaluated, anything else passes through. */
  function evaluate(value) {
    if (!isTemplate(value)) return { value, error: null };
    const result = safeEvaluateTemplate(value, scopeFor(value));
    return { value: result.value, error: result.error ? errorText(result.error) : null };
  }

  for (const def of initial) {
    const init = INITIAL_STATE[def.type];
    if (!init) continue;
    const { value, error } = evaluate(def.value);
    components.get(def.id).state.value = init(error ? null : value);
  }

  /** Query names a template reads (queries.NAME…). */
  function queriesIn(value) {
    if (!isTemplate(value)) return [];
    const refs = references(value);
    if (refs === null) return [];
    const names = new Set();
    for (const ref of refs) {
      const [root, second] = String(ref).split(".");
      if (root === "queries" && second && queries.has(second)) names.add(second);
    }
    return [...names];
  }

  // ---- component state --------------------------------------------------------------

  function componentState(id) {
    return components.get(id)?.state;
  }

  function setComponentState(id, patch) {
    const s = componentState(id);
    if (!s) return false;
    s.value = { ...s.value, ...patch };
    return true;
  }

  // ---- queries ----------------------------------------------------------------------

  function computeParams(def) {
    const params = {};
    for (const [name, spec] of Object.entries(def.params || {})) {
      if (!spec || typeof spec !== "object" || !("value" in spec)) continue;
      const { value, error } = evaluate(spec.value);
      params[name] = error ? null : value === undefined ? null : value;
    }
    return params;
  }

  /**
   * The paging request of a pagination: offset query, from the state of the table that
   * pages through it (reading that state subscribes the caller). null for other queries.
   */
  function pagingFor(name) {
    const q = queries.get(name);
    if (!q?.def.pagination) return null;
    const table = pagedTables.get(name);
    const state = table ? components.get(table.id)?.state.value ?? {} : {};
    const limit = Number.isInteger(table?.pageSize) && table.pageSize > 0 ? table.pageSize : DEFAULT_PAGE_SIZE;
    const page = Number.isInteger(state.page) && state.page > 0 ? state.page : 0;
    const sort = state.sort && typeof state.sort.key === "string" ? { key: state.sort.key, direction: state.sort.direction === "desc" ? "desc" : "asc" } : null;
    return { limit, offset: page * limit, sort, search: typeof state.searchText === "string" ? state.searchText : "" };
  }

  function setQueryState(q, patch) {
    q.state.value = { ...q.state.value, ...patch };
  }

  // At most MAX_CONCURRENT_QUERIES server queries in flight; the rest wait their turn (the
  // server refuses a session's 5th concurrent query with a 429 by default, and a page may
  // start more auto queries than that at once).
  let inFlight = 0;
  const waiting = [];
  /** null when a slot was free (taken at once, no await), else a promise of one. */
  function acquireSlot() {
    if (inFlight < MAX_CONCURRENT_QUERIES) {
      inFlight += 1;
      return null;
    }
    return new Promise((resolve) => waiting.push(resolve));
  }
  function releaseSlot() {
    const next = waiting.shift();
    if (next) next(); // hand the slot over
    else inFlight -= 1;
  }

  /** Run a server query now. Resolves to its result; rejects with ApiError on failure. */
  async function runQuery(name, { params, paging } = {}) {
    const q = queries.get(name);
    if (!q) throw new ApiError(404, "unknown_query", `Unknown query "${name}".`);
    if (q.def.kind === "parent") {
      requestParentValue(name);
      return q.state.value.data;
    }
    clearTimeout(q.timer);
    q.timer = null;
    const body = params ?? untracked(() => computeParams(q.def));
    const page = paging ?? untracked(() => pagingFor(name));
    const seq = ++q.seq;
    if (q.abort) q.abort.abort();
    const controller = new AbortController();
    q.abort = controller;
    setQueryState(q, { isLoading: true });
    try {
      const wait = acquireSlot();
      if (wait) await wait;
      let result;
      try {
        result = await api.runQuery(name, body, page ? { signal: controller.signal, paging: page } : { signal: controller.signal });
      } finally {
        releaseSlot();
      }
      if (seq !== q.seq) return result; // a newer run owns the state
      const isRead = q.def.kind !== "write";
      setQueryState(q, isRead
        ? {
          data: Array.isArray(result?.rows) ? result.rows : [],
          columns: Array.isArray(result?.columns) ? result.columns.map((c) => (c && typeof c === "object" ? c.name : c)) : [],
          rowCount: typeof result?.rowCount === "number" ? result.rowCount : null,
          truncated: Boolean(result?.truncated),
          ...(page ? { totalRows: typeof result?.totalRows === "number" ? result.totalRows : null, paging: result?.paging ?? page } : {}),
          isLoading: false,
          error: null,
          errorCode: null,
        }
        : {
          data: result ?? {},
          affectedRows: typeof result?.affectedRows === "number" ? result.affectedRows : null,
          isLoading: false,
          error: null,
          errorCode: null,
        });
      return result;
    } catch (err) {
      if (seq !== q.seq || err?.name === "AbortError") throw err;
      // queries.NAME.error is the readable message (catalogue); errorCode the machine code.
      setQueryState(q, {
        isLoading: false,
        error: errorText(err) || "The query failed.",
        errorCode: err instanceof ApiError ? err.code : "client_error",
      });
      throw err;
    } finally {
      if (q.abort === controller) q.abort = null;
    }
  }

  /** Re-run each auto read query when its computed params change (debounced). */
  function startAutoQueries() {
    for (const [name, q] of queries) {
      const kind = q.def.kind ?? "read";
      if (kind !== "read" || (q.def.trigger ?? "auto") !== "auto") continue;
      disposers.push(effect(() => {
        const params = computeParams(q.def);
        const paging = pagingFor(name);
        const inputs = JSON.stringify([params, paging?.search ?? null]);
        const key = JSON.stringify([params, paging]);
        untracked(() => {
          if (key === q.lastKey) return;
          const first = q.lastKey === null;
          const table = pagedTables.get(name);
          if (!first && paging && paging.offset > 0 && inputs !== q.lastInputs && table) {
            setComponentState(table.id, { page: 0 }); // new filters: back to page 1 (re-runs this)
            return;
          }
          const typed = inputs !== q.lastInputs; // params or search text: debounce; a page click: at once
          q.lastKey = key;
          q.lastInputs = inputs;
          clearTimeout(q.timer);
          const go = () => runQuery(name, { params, paging }).catch(() => {});
          if (first || !typed) go();
          else q.timer = setTimeout(go, AUTO_QUERY_DEBOUNCE_MS);
        });
      }));
    }
  }

  // ---- parent queries (Retool's PARENT_WINDOW_QUERY) ---------------------------------

  function requestParentValue(name) {
    const q = queries.get(name);
    if (!q || !messenger.enabled) return;
    q.parentId = q.parentId || `${name}-${Math.random().toString(36).slice(2, 10)}`;
    if (q.state.value.data === null) {
      setQueryState(q, { isLoading: true });
      // A host that never answers must not leave a spinner forever.
      clearTimeout(q.timer);
      q.timer = setTimeout(() => {
        if (q.state.peek().isLoading) setQueryState(q, { isLoading: false });
      }, PARENT_TIMEOUT_MS);
    }
    messenger.postRaw({
      type: "PARENT_WINDOW_QUERY",
      selector: q.def.selector,
      pageName: untracked(() => currentPage.value),
      id: q.parentId,
    });
  }

  function startParentQueries() {
    for (const [name, q] of queries) if (q.def.kind === "parent") requestParentValue(name);
  }

  /** Host -> app messages. */
  function handleMessage(data) {
    if (data.type === "PARENT_WINDOW_RESULT") {
      batch(() => {
        for (const q of queries.values()) {
          if (q.def.kind === "parent" && q.parentId && q.parentId === data.id) {
            clearTimeout(q.timer);
            setQueryState(q, { data: data.result ?? null, isLoading: false, error: null });
          }
        }
      });
    } else if (data.type === "inset:data" && data.data && typeof data.data === "object") {
      batch(() => {
        for (const q of queries.values()) {
          if (q.def.kind === "parent" && Object.hasOwn(data.data, q.def.selector)) {
            clearTimeout(q.timer);
            setQueryState(q, { data: data.data[q.def.selector] ?? null, isLoading: false, error: null });
          }
        }
      });
    } else if (data.type === "inset:navigate" && typeof data.page === "string") {
      navigate(data.page, { fromHost: true });
    }
  }

  // ---- pages --------------------------------------------------------------------------

  function pageNamed(name) {
    return pages.find((p) => p && p.name === name) || null;
  }

  const page = computed(() => pageNamed(currentPage.value) || pages[0] || null);

  function navigate(name, { fromHost = false, initial = false } = {}) {
    const target = pageNamed(name);
    if (!target || (!initial && target.name === currentPage.value)) return false;
    currentPage.value = target.name;
    api.sendEvent({ type: "page.viewed", page: target.name }).catch(() => {});
    if (!initial && !fromHost) messenger.post("inset:navigate", { page: target.name });
    return true;
  }

  // ---- toasts -------------------------------------------------------------------------

  function notify(text, level = "info") {
    const id = ++toastId;
    toasts.value = [...toasts.value.slice(-3), { id, text: String(text), kind: level }];
    setTimeout(() => dismiss(id), level === "error" ? TOAST_MS * 2 : TOAST_MS);
    return id;
  }

  function dismiss(id) {
    toasts.value = toasts.value.filter((t) => t.id !== id);
  }

  // ---- actions ------------------------------------------------------------------------

  /**
   * Run a list of actions in order. A failing `run` stops the rest (after its on_failure
   * actions, or an error toast when it has none). Resolves to true when all succeeded.
   */
  async function runActions(actions) {
    for (const action of Array.isArray(actions) ? actions : []) {
      if (!action || typeof action !== "object") continue;
      if (typeof action.run === "string") {
        try {
          await runQuery(action.run);
        } catch (err) {
          if (err?.name === "AbortError") return false;
          if (Array.isArray(action.on_failure)) await runActions(action.on_failure);
          else notify(errorText(err) || "The action failed.", "error");
          return false;
        }
        if (Array.isArray(action.on_success) && !(await runActions(action.on_success))) return false;
      } else if (typeof action.set === "string") {
        const [id, ...rest] = action.set.split(".");
        const key = rest.join(".") || "value";
        const { value, error } = untracked(() => evaluate(action.value));
        if (error) {
          console.warn(`inset: set ${action.set}: ${error}`);
          return false;
        }
        if (!setComponentState(id, { [key]: value })) console.warn(`inset: set: unknown component "${id}"`);
      } else if ("notify" in action) {
        const { value, error } = untracked(() => evaluate(action.notify));
        const level = ["info", "success", "warning", "error"].includes(action.level) ? action.level : "info";
        notify(error ? String(action.notify) : value ?? "", level);
      } else if (typeof action.open_modal === "string" || typeof action.close_modal === "string") {
        const id = action.open_modal ?? action.close_modal;
        if (components.get(id)?.type === "modal") setComponentState(id, { isOpen: typeof action.open_modal === "string" });
        else console.warn(`inset: unknown modal "${id}"`);
      } else if (typeof action.go_to_page === "string") {
        navigate(action.go_to_page);
      } else if ("download" in action) {
        if (!(await download(action))) return false;
      } else if ("send_to_parent" in action) {
        const { value, error } = untracked(() => evaluate(action.send_to_parent));
        if (!error) messenger.sendToParent(value);
      } else {
        console.warn("inset: unsupported action", Object.keys(action).join(", "));
      }
    }
    return true;
  }

  // ---- downloads ----------------------------------------------------------------------

  /** All rows of a read query: a paginated one is fetched whole (up to the row limit). */
  async function allRows(name) {
    const q = queries.get(name);
    if (!q) throw new ApiError(404, "unknown_query", `Unknown query "${name}".`);
    const paging = untracked(() => pagingFor(name));
    if (paging) {
      const params = untracked(() => computeParams(q.def));
      const result = await api.runQuery(name, params, { paging: { ...paging, limit: DOWNLOAD_LIMIT, offset: 0 } });
      return Array.isArray(result?.rows) ? result.rows : [];
    }
    if (q.state.peek().data === null) await runQuery(name);
    const data = q.state.peek().data;
    return Array.isArray(data) ? data : [];
  }

  // Saving files and the download action live in download.js, fetched on first use.
  async function saveDownload(options) {
    const m = await import("./download.js");
    return m.saveDownload(options, { page: untracked(() => currentPage.value), sendEvent: api.sendEvent });
  }

  async function download(action) {
    const m = await import("./download.js");
    return m.downloadAction(action, { evaluate: (v) => untracked(() => evaluate(v)), allRows, saveDownload, notify });
  }

  function dispose() {
    for (const d of disposers.splice(0)) d();
    for (const q of queries.values()) {
      clearTimeout(q.timer);
      if (q.abort) q.abort.abort();
    }
  }

  return {
    app,
    pages,
    page,
    currentPage,
    toasts,
    sessionEnded,
    components,
    queries,
    evaluate,
    queriesIn,
    componentState,
    setComponentState,
    queryState: (name) => queries.get(name)?.state ?? null,
    runQuery,
    allRows,
    saveDownload,
    runActions,
    startAutoQueries,
    startParentQueries,
    handleMessage,
    navigate,
    notify,
    dismiss,
    dispose,
  };
}
