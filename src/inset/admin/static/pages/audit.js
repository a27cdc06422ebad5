// Audit log: filter (user, app, type, outcome, time range), page with the cursor, open an
// event (every field, its data pretty-printed, its hash and the previous hash), export the
// filtered events as JSON lines or CSV (a plain link: the admin cookie session authorises it).
// The filters live in the URL (/admin/audit?outcome=denied&type=…): read at start and on
// navigation, written back with history.replaceState when they change, so a link (the
// Overview's "Open in the audit log") or a reload shows the same view.
import { useEffect, useState } from "/static/vendor/hooks.module.js";
import { api } from "../api.js";
import { html } from "../html.js";
import { Button, DataTable, ErrorBanner, Field, Loading, Modal, Page, formatDate } from "../ui.js";
import { TextField } from "../widgets.js";

const PAGE_SIZE = 50;
const EMPTY = { user: "", app: "", type: "", outcome: "", since: "", until: "" };
const PATH = "/admin/audit";

// datetime-local inputs hold local time without a zone; the API wants ISO 8601.
function isoOf(local) {
  if (!local) return "";
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? local : date.toISOString();
}

// …and back: an ISO time from the URL as the datetime-local input's local time.
function localOf(iso) {
  const date = new Date(iso);
  if (!iso || Number.isNaN(date.getTime())) return iso || "";
  const pad = (n) => String(n).padStart(2, "0");
  const seconds = date.getSeconds() ? `:${pad(date.getSeconds())}` : "";
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}${seconds}`;
}

/** The filters a URL query names (unknown parameters ignored, missing ones empty). */
export function filtersOf(query) {
  const filters = { ...EMPTY };
  for (const key of Object.keys(EMPTY)) {
    const value = query.get(key) || "";
    filters[key] = key === "since" || key === "until" ? localOf(value) : value;
  }
  return filters;
}

export function filterQuery(filters) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) {
    const text = key === "since" || key === "until" ? isoOf(value) : value.trim();
    if (text) params.set(key, text);
  }
  return params;
}

function EventDetail({ event, onClose }) {
  const fields = [
    ["Time", `${formatDate(event.occurredAt)} (${event.occurredAt})`],
    ["Type", event.type],
    ["Outcome", event.outcome],
    ["Actor", `${event.actorType}${event.actorId ? ` ${event.actorId}` : ""}`],
    ["External user", event.externalIdentifier],
    ["App id", event.appId],
    ["Session", event.sessionId],
    ["Request id", event.requestId],
    ["IP", event.ip],
    ["User agent", event.userAgent],
    ["Sequence", event.seq],
    ["Hash", event.hash],
    ["Previous hash", event.prevHash],
  ];
  const actions = html`<${Button} onClick=${onClose}>Close<//>`;
  return html`<${Modal} open=${true} wide=${true} title=${`Event ${event.id}: ${event.type}`}
    onClose=${onClose} actions=${actions}>
    <dl class="event-detail">
      ${fields.map(([label, value]) => html`<dt>${label}</dt><dd class=${label.includes("ash") ? "mono" : ""}>${value ?? "—"}</dd>`)}
    </dl>
    <h3>Data</h3>
    <pre class="code event-data" tabindex="0">${JSON.stringify(event.data, null, 2)}</pre>
  <//>`;
}

function Filters({ value, onApply }) {
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]); // a link or Back changed the applied filters
  const f = { form: draft, setForm: setDraft };
  const submit = (event) => { event.preventDefault(); onApply(draft); };
  const reset = () => { setDraft(EMPTY); onApply(EMPTY); };
  return html`<form class="filters" role="search" aria-label="Filter audit events" onSubmit=${submit}>
    <${TextField} label="User (external identifier)" name="user" ...${f} />
    <${TextField} label="App (slug or uuid)" name="app" ...${f} />
    <${TextField} label="Type" name="type" ...${f} placeholder="query.run or admin.*" />
    <${Field} label="Outcome">
      ${(p) => html`<select ...${p} name="outcome" value=${draft.outcome}
        onChange=${(e) => setDraft({ ...draft, outcome: e.target.value })}>
        <option value="">any</option><option value="ok">ok</option>
        <option value="denied">denied</option><option value="error">error</option>
      </select>`}
    <//>
    <${TextField} label="From" name="since" type="datetime-local" ...${f} />
    <${TextField} label="To" name="until" type="datetime-local" ...${f} />
    <div class="form-actions">
      <${Button} variant="primary" type="submit">Apply filters<//>
      <${Button} onClick=${reset}>Clear<//>
    </div>
  </form>`;
}

export default function AuditPage({ query }) {
  const [filters, setFilters] = useState(() => filtersOf(query));
  const [events, setEvents] = useState(null);
  const [cursor, setCursor] = useState(null);
  const [error, setError] = useState(null);
  const [open, setOpen] = useState(null);
  async function load(wanted, after) {
    setError(null);
    const params = filterQuery(wanted);
    params.set("limit", String(PAGE_SIZE));
    if (after) params.set("cursor", after);
    try {
      const page = await api("GET", `/api/v1/audit-events?${params}`);
      setEvents((old) => (after ? [...(old || []), ...page.events] : page.events));
      setCursor(page.nextCursor);
    } catch (err) {
      setError(err);
      if (!after) setEvents([]);
    }
  }
  // A navigation to /admin/audit?… while this page is shown (a link, Back): its filters.
  useEffect(() => {
    const wanted = filtersOf(query);
    setFilters((old) => (filterQuery(old).toString() === filterQuery(wanted).toString() ? old : wanted));
  }, [query]);
  const search = filterQuery(filters).toString();
  useEffect(() => {
    const href = search ? `${PATH}?${search}` : PATH;
    if (window.location.pathname + window.location.search !== href) {
      window.history.replaceState(window.history.state, "", href);
    }
    load(filters, null);
  }, [filters]);
  const exportHref = (format) => `/api/v1/audit-events/export?format=${format}${search ? `&${search}` : ""}`;
  const actions = html`
    <a class="btn btn-secondary" href=${exportHref("jsonl")} download="audit-events.jsonl">Export JSON lines</a>
    <a class="btn btn-secondary" href=${exportHref("csv")} download="audit-events.csv">Export CSV</a>`;
  const columns = [
    { key: "occurredAt", label: "Time", render: (e) => formatDate(e.occurredAt) },
    { key: "type", label: "Type" },
    { key: "outcome", label: "Outcome", render: (e) => html`<span class=${`outcome outcome-${e.outcome}`}>${e.outcome}</span>` },
    { key: "actor", label: "Actor", render: (e) => `${e.actorType}${e.actorId ? ` ${e.actorId}` : ""}` },
    { key: "externalIdentifier", label: "User", render: (e) => e.externalIdentifier || "—" },
    { key: "appId", label: "App id", render: (e) => e.appId ?? "—" },
  ];
  return html`<${Page} title="Audit log" actions=${actions}>
    <${Filters} value=${filters} onApply=${setFilters} />
    <${ErrorBanner} error=${error} />
    ${events === null ? html`<${Loading} />` : html`<${DataTable} columns=${columns} rows=${events}
      caption="Audit events, newest first (select one for details)"
      empty="No events match these filters." onRowClick=${setOpen} />`}
    ${cursor ? html`<div class="form-actions"><${Button} onClick=${() => load(filters, cursor)}>Load more<//></div>` : null}
    ${open ? html`<${EventDetail} event=${open} onClose=${() => setOpen(null)} />` : null}
  <//>`;
}
