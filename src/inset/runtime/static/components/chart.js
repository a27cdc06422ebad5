// chart: bar, line, area and pie charts of rows, drawn by Chart.js on a canvas. Chart.js
// (~70 KB gz) is fetched with a dynamic import() the first time a chart renders, so pages
// without a chart never load it. Props: kind, data, x, y | series, title, stacked, height.
// Accessible: the canvas is role=img with a summary, and the numbers are in a visually
// hidden table.
import { html } from "../html.js";
import { useEffect, useRef } from "../vendor/hooks.module.js";
import { useSignal } from "../vendor/signals.module.js";
import { displayText, Empty, ErrorPanel, Loading, queryStatus, textOf, warnOnce } from "./common.js";

let chartModule = null;

/** Chart.js, loaded once, with only the parts these charts use registered. */
export function loadChartJs() {
  if (!chartModule) {
    chartModule = import("../vendor/chart.module.js").then((m) => {
      m.Chart.register(
        m.BarController, m.LineController, m.PieController, m.CategoryScale, m.LinearScale,
        m.BarElement, m.LineElement, m.PointElement, m.ArcElement, m.Filler, m.Legend, m.Tooltip,
      );
      return m.Chart;
    }).catch((err) => {
      chartModule = null; // let a later render try again
      throw err;
    });
  }
  return chartModule;
}

const FALLBACK_COLORS = ["#2f5bea", "#1f8a4c", "#d97706", "#c62f3b", "#7c3aed", "#0891b2", "#db2777", "#65a30d"];

function palette() {
  const css = getComputedStyle(document.documentElement);
  const primary = css.getPropertyValue("--inset-primary").trim();
  return {
    colors: primary ? [primary, ...FALLBACK_COLORS.slice(1)] : FALLBACK_COLORS,
    text: css.getPropertyValue("--inset-muted").trim() || "#5f6b7a",
    grid: css.getPropertyValue("--inset-border").trim() || "#dde1e6",
    font: css.getPropertyValue("--inset-font").trim() || "system-ui, sans-serif",
  };
}

/** #rgb/#rrggbb at 25% opacity (canvas colors can't use color-mix). */
function translucent(color) {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color);
  if (!m) return color;
  const hex = m[1].length === 3 ? [...m[1]].map((c) => c + c).join("") : m[1];
  return `#${hex}40`;
}

function toNumber(v) {
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  return null;
}

/** Chart.js config from the props and rows (exported for tests). */
export function chartConfig(def, rows, theme) {
  const kind = ["bar", "line", "area", "pie"].includes(def.kind) ? def.kind : "bar";
  const series = Array.isArray(def.series) && def.series.length
    ? def.series.filter((s) => s && typeof s.key === "string").map((s) => ({ key: s.key, label: typeof s.label === "string" ? s.label : s.key }))
    : [{ key: def.y, label: def.y }];
  const labels = rows.map((row) => displayText(row?.[def.x]));
  const stacked = def.stacked === true && kind !== "pie";
  const datasets = (kind === "pie" ? series.slice(0, 1) : series).map((s, i) => {
    const color = theme.colors[i % theme.colors.length];
    const data = rows.map((row) => toNumber(row?.[s.key]));
    if (kind === "pie") {
      return { label: s.label, data, backgroundColor: rows.map((_, j) => theme.colors[j % theme.colors.length]), borderWidth: 1 };
    }
    return {
      label: s.label,
      data,
      backgroundColor: kind === "area" ? translucent(color) : color,
      borderColor: color,
      borderWidth: kind === "bar" ? 0 : 2,
      fill: kind === "area" ? (stacked && i > 0 ? "-1" : "origin") : false,
      tension: 0.25,
      pointRadius: rows.length > 40 ? 0 : 3,
    };
  });
  const axis = { ticks: { color: theme.text }, grid: { color: theme.grid }, stacked };
  return {
    type: kind === "area" ? "line" : kind,
    data: { labels, datasets },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      font: { family: theme.font },
      plugins: {
        legend: { display: kind === "pie" || datasets.length > 1, labels: { color: theme.text } },
        tooltip: { enabled: true },
      },
      scales: kind === "pie" ? {} : { x: axis, y: { ...axis, beginAtZero: true } },
    },
  };
}

function Canvas({ def, rows, label }) {
  const canvas = useRef(null);
  const chart = useRef(null);
  const failed = useSignal(null);
  const ready = useSignal(false);
  useEffect(() => {
    let cancelled = false;
    loadChartJs().then((Chart) => {
      if (cancelled || !canvas.current) return;
      const config = chartConfig(def, rows, palette());
      if (chart.current) {
        chart.current.data = config.data;
        chart.current.options = config.options;
        chart.current.update();
      } else {
        chart.current = new Chart(canvas.current, config);
      }
      ready.value = true;
    }).catch((err) => {
      if (!cancelled) failed.value = err?.message || "Chart.js didn't load.";
    });
    return () => {
      cancelled = true;
    };
  }, [rows, def]);
  useEffect(() => () => chart.current?.destroy(), []);
  if (failed.value) return html`<${ErrorPanel} title="Couldn't draw this chart" message="The chart library didn't load. Check your connection and reload." />`;
  const height = Number.isInteger(def.height) ? Math.min(Math.max(def.height, 80), 2000) : 300;
  return html`<div class="inset-chart__box" style=${{ height: `${height}px` }} aria-busy=${ready.value ? "false" : "true"}>
    ${ready.value ? null : html`<div class="inset-chart__loading"><${Loading} label="Drawing chart…" compact /></div>`}
    <canvas ref=${canvas} role="img" aria-label=${label}></canvas>
  </div>`;
}

export function ChartView({ def, store }) {
  const status = queryStatus(store, [def.data]);
  if (status.error) return html`<${ErrorPanel} title="Couldn't load this chart" message=${status.error} onRetry=${status.retry} />`;
  const r = store.evaluate(def.data);
  const rows = Array.isArray(r.value) ? r.value.filter((row) => row && typeof row === "object") : null;
  if (rows === null) {
    if (r.error) {
      warnOnce(`${def.id ?? "chart"}: ${r.error}`);
      return html`<${ErrorPanel} title="Couldn't show this chart" message="Its data binding failed. The app's author can see the details in the browser console." />`;
    }
    return html`<${Loading} label="Loading data…" />`;
  }
  const title = def.title !== undefined ? textOf(store, def.title, def.id).text : "";
  const kind = ["bar", "line", "area", "pie"].includes(def.kind) ? def.kind : "bar";
  const keys = Array.isArray(def.series) && def.series.length ? def.series.map((s) => s?.key).filter(Boolean) : [def.y];
  const label = `${kind[0].toUpperCase()}${kind.slice(1)} chart${title ? `: ${title}` : ""}, ${rows.length} ${rows.length === 1 ? "point" : "points"}`;
  return html`<figure class="inset-chart">
    ${title ? html`<figcaption class="inset-chart__title">${title}</figcaption>` : null}
    ${rows.length === 0 ? html`<${Empty} label="No data to chart." />` : html`
      <${Canvas} def=${def} rows=${rows} label=${label} />
      <table class="inset-sr-only">
        <caption>${title || "Chart data"}</caption>
        <thead><tr><th scope="col">${def.x}</th>${keys.map((k) => html`<th scope="col">${k}</th>`)}</tr></thead>
        <tbody>${rows.slice(0, 200).map((row) => html`<tr><th scope="row">${displayText(row[def.x])}</th>${keys.map((k) => html`<td>${displayText(row[k])}</td>`)}</tr>`)}</tbody>
      </table>`}
  </figure>`;
}
