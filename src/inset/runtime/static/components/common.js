// Shared pieces for components: DOM ids, state panels, query status of a component.
import { html } from "../html.js";

/** A DOM id for a component id (ids are author-chosen; keep them in their own namespace). */
export function domId(id, suffix = "") {
  const safe = String(id ?? "").replace(/[^A-Za-z0-9_-]/g, "_");
  return `inset-${safe}${suffix ? `-${suffix}` : ""}`;
}

export function Loading({ label = "Loading…", compact = false }) {
  return html`<div class=${`inset-state inset-state--loading${compact ? " inset-state--compact" : ""}`} role="status" aria-live="polite">
    <span class="inset-spinner" aria-hidden="true"></span><span>${label}</span>
  </div>`;
}

export function Empty({ label = "Nothing to show." }) {
  return html`<div class="inset-state inset-state--empty">${label}</div>`;
}

export function ErrorPanel({ title = "Couldn't load this", message, onRetry }) {
  return html`<div class="inset-state inset-state--error" role="alert">
    <div class="inset-state__title">${title}</div>
    ${message ? html`<div class="inset-state__message">${message}</div>` : null}
    ${onRetry ? html`<button type="button" class="inset-btn inset-btn--secondary inset-btn--small" onClick=${onRetry}>Try again</button>` : null}
  </div>`;
}

/**
 * Query status of the props of a component: {loading, error, retry, queries}.
 * loading: some referenced query is running; pending: one is running and has no data yet
 * (first load); error: the first failed one {code, message}.
 */
export function queryStatus(store, values) {
  const names = new Set();
  for (const v of values) for (const n of store.queriesIn(v)) names.add(n);
  let loading = false;
  let pending = false;
  let error = null;
  let failed = null;
  for (const name of names) {
    const s = store.queryState(name).value;
    if (s.isLoading) loading = true;
    if (s.isLoading && (s.data === null || s.data === undefined)) pending = true;
    if (s.error && !error) {
      error = s.error;
      failed = name;
    }
  }
  const retry = failed && store.queries.get(failed)?.def.kind !== "parent"
    ? () => store.runQuery(failed).catch(() => {})
    : null;
  return { loading, pending, error, retry, queries: [...names] };
}

/** Display text of an evaluated value (objects as JSON, null as ""). */
export function displayText(value) {
  if (value === null || value === undefined) return "";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

const warned = new Set();

/** console.warn once per distinct message (renders repeat). */
export function warnOnce(message) {
  if (warned.has(message) || warned.size > 200) return;
  warned.add(message);
  console.warn(`inset: ${message}`);
}

/** Evaluate a prop for display; binding errors show as an em dash (and warn the author). */
export function textOf(store, value, componentId) {
  const r = store.evaluate(value);
  if (r.error) {
    warnOnce(`${componentId ?? "component"}: ${r.error}`);
    return { text: "—", error: r.error };
  }
  return { text: displayText(r.value), error: null };
}
