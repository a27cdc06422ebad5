// Overview: usage over time (GET /api/v1/usage, summed per day over apps and users, drawn
// with the runtime's lazily loaded Chart.js), the latest errors (outcome error: failed
// queries, resource tests, …) and the latest refusals (outcome denied: auth.denied, refused
// sign-ins, embed URLs refused, …) of any event type, from GET /api/v1/audit-events.
import { useEffect, useRef, useState } from "/static/vendor/hooks.module.js";
import { loadChartJs } from "/static/components/chart.js";
import { html } from "../html.js";
import { api, withQuery } from "../api.js";
import { DataTable, ErrorBanner, Field, Loaded, Page, Panel, formatDate, useLoad } from "../ui.js";

const RANGES = [
  { days: 7, label: "Last 7 days" },
  { days: 30, label: "Last 30 days" },
  { days: 90, label: "Last 90 days" },
];
const SERIES = [
  { key: "sessions", label: "Sessions" },
  { key: "pageViews", label: "Page views" },
  { key: "queryRuns", label: "Query runs" },
  { key: "errors", label: "Query errors" },
];
const RECENT = 10;

function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

/** Usage rows summed per day, with every day of the range present (zeros included). */
export function dailyTotals(rows, days, today = new Date()) {
  const totals = new Map();
  for (let i = days - 1; i >= 0; i--) {
    const day = new Date(today.getTime() - i * 86400000);
    totals.set(isoDay(day), { day: isoDay(day), sessions: 0, pageViews: 0, queryRuns: 0, errors: 0 });
  }
  const users = new Set();
  for (const row of rows) {
    const entry = totals.get(row.day);
    if (row.user) users.add(row.user);
    if (!entry) continue;
    for (const s of SERIES) entry[s.key] += row[s.key] || 0;
  }
  return { days: [...totals.values()], users: users.size };
}

function cssVar(name, fallback) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

function UsageChart({ days }) {
  const canvas = useRef(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    let chart = null;
    let live = true;
    loadChartJs().then(
      (Chart) => {
        if (!live || !canvas.current) return;
        const colors = [cssVar("--accent", "#2457c5"), "#1f8a4c", "#d97706", cssVar("--danger", "#b42318")];
        chart = new Chart(canvas.current, {
          type: "line",
          data: {
            labels: days.map((d) => d.day),
            datasets: SERIES.map((s, i) => ({
              label: s.label,
              data: days.map((d) => d[s.key]),
              borderColor: colors[i],
              backgroundColor: colors[i],
              tension: 0.25,
              pointRadius: 2,
            })),
          },
          options: {
            responsive: true,
            maintainAspectRatio: false,
            animation: false,
            interaction: { mode: "index", intersect: false },
            scales: {
              y: { beginAtZero: true, ticks: { precision: 0, color: cssVar("--muted", "#5b6573") } },
              x: { ticks: { color: cssVar("--muted", "#5b6573") } },
            },
            plugins: { legend: { labels: { color: cssVar("--text", "#1b1f24") } } },
          },
        });
      },
      (err) => live && setError(err),
    );
    return () => {
      live = false;
      if (chart) chart.destroy();
    };
  }, [days]);
  const summary = SERIES.map((s) => `${s.label}: ${days.reduce((n, d) => n + d[s.key], 0)}`).join(", ");
  return html`<div>
    <${ErrorBanner} error=${error && { message: `The chart could not be drawn (${error.message}).` }} />
    <div class="chart-box">
      <canvas ref=${canvas} role="img" aria-label=${`Usage per day. ${summary}.`}></canvas>
    </div>
  </div>`;
}

function Stats({ days, users }) {
  const sum = (key) => days.reduce((n, d) => n + d[key], 0);
  const items = [...SERIES.map((s) => ({ label: s.label, value: sum(s.key) })), { label: "Active users", value: users }];
  return html`<div class="stats">
    ${items.map(
      (item) => html`<div class="stat">
        <div class="stat-value">${item.value.toLocaleString()}</div>
        <div class="stat-label">${item.label}</div>
      </div>`,
    )}
  </div>`;
}

function RecentEvents({ title, params, columns, empty }) {
  const events = useLoad(
    () => api("GET", withQuery("/api/v1/audit-events", { ...params, limit: RECENT })),
    [],
  );
  return html`<${Panel} title=${title}>
    <${Loaded} state=${events}>${(page) => html`<${DataTable} columns=${columns} rows=${page.events} empty=${empty} />`}<//>
    <p><a href=${withQuery("/admin/audit", params)}>Open in the audit log</a></p>
  <//>`;
}

const when = { key: "occurredAt", label: "When", render: (e) => formatDate(e.occurredAt) };
const who = {
  key: "who",
  label: "Who",
  render: (e) => e.externalIdentifier || `${e.actorType}${e.actorId ? ` ${e.actorId}` : ""}`,
};

/** What went wrong, whatever the event type: a reason, an error code or message. */
function errorOf(event) {
  const data = event.data || {};
  const error = data.error;
  const text = data.reason || (error && (error.code || error.message)) || (typeof error === "string" ? error : "");
  return [data.query, text].filter(Boolean).join(": ") || "—";
}

/** The refused request (method and path, when the event has them) and where it came from. */
function requestOf(event) {
  const request = `${event.data.method || ""} ${event.data.path || ""}`.trim();
  const from = event.ip ? html`<span class="muted">from ${event.ip}</span>` : null;
  if (!request) return from || "—";
  return from ? html`${request}<br />${from}` : request;
}

export default function OverviewPage() {
  const [range, setRange] = useState(7);
  const usage = useLoad(async () => {
    const to = new Date();
    const from = new Date(to.getTime() - range * 86400000);
    return api("GET", withQuery("/api/v1/usage", { from: from.toISOString(), to: to.toISOString() }));
  }, [range]);
  const totals = usage.data ? dailyTotals(usage.data.rows, range) : null;
  const picker = html`<${Field} label="Period">
    <select value=${String(range)} onChange=${(e) => setRange(Number(e.currentTarget.value))}>
      ${RANGES.map((r) => html`<option value=${String(r.days)}>${r.label}</option>`)}
    </select>
  <//>`;
  return html`<${Page} title="Overview" actions=${picker}>
    <${Panel} title="Usage">
      <${Loaded} state=${usage}>${() => html`<${Stats} days=${totals.days} users=${totals.users} /><${UsageChart} days=${totals.days} />`}<//>
    <//>
    <div class="grid-2">
      <${RecentEvents}
        title="Recent errors"
        params=${{ outcome: "error" }}
        empty="No errors."
        columns=${[
          when,
          { key: "type", label: "Event" },
          who,
          { key: "error", label: "Error", render: (e) => errorOf(e) },
        ]}
      />
      <${RecentEvents}
        title="Recent denials"
        params=${{ outcome: "denied" }}
        empty="No refused requests."
        columns=${[
          when,
          { key: "type", label: "Event" },
          { key: "reason", label: "Reason", render: (e) => errorOf(e) },
          { key: "path", label: "Request", render: requestOf },
        ]}
      />
    </div>
  <//>`;
}
