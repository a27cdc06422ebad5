// table: rows from a binding, column formats (badge: a pill in a tone), search,
// click-to-sort, paging, row selection, CSV download. Props and state as in the catalogue
// (src/inset/apps/components.py). State: selectedRow, selectedRows, selectedIndex (index
// in the data), page (from 0), searchText, sort. With paging: server the query holds one
// page: the store sends page, sort and search to the server (state.js pagingFor) and the
// server answers totalRows.
import { html } from "../html.js";
import { useEffect, useRef, useState } from "../vendor/hooks.module.js";
import { BADGE_TONES, badgeTone, formatValue, isNumericFormat, safeHref } from "../format.js";
import { nextSort, resolveColumns, serverView, tableView, viewRows } from "../table-model.js";
import { domId, Empty, ErrorPanel, Loading, queryStatus, warnOnce } from "./common.js";

export const DEFAULT_PAGE_SIZE = 20;

function sameRow(a, b, rowKey) {
  if (a === b) return true;
  if (!a || !b || typeof a !== "object" || typeof b !== "object") return false;
  if (rowKey && rowKey in a) return a[rowKey] === b[rowKey];
  return JSON.stringify(a) === JSON.stringify(b);
}

function selectionMode(value) {
  if (value === false || value === "none") return "none";
  if (value === "multi") return "multi";
  return "single";
}

function SortIcon({ direction }) {
  const glyph = direction === "asc" ? "▲" : direction === "desc" ? "▼" : "↕";
  return html`<span class=${`inset-sort inset-sort--${direction || "none"}`} aria-hidden="true">${glyph}</span>`;
}

function onRowKeyDown(e, select) {
  const row = e.currentTarget;
  let target = null;
  switch (e.key) {
    case "ArrowDown": target = row.nextElementSibling; break;
    case "ArrowUp": target = row.previousElementSibling; break;
    case "Home": target = row.parentElement.firstElementChild; break;
    case "End": target = row.parentElement.lastElementChild; break;
    case "Enter":
    case " ":
      e.preventDefault();
      select();
      return;
    default: return;
  }
  e.preventDefault();
  if (target) target.focus();
}

/**
 * When the rows change: back to the first page if the row count changed (a new search),
 * and refresh the selection to the matching new rows, or drop rows that are gone.
 */
function useFollowData(rows, rowKey, state, set, server) {
  const previous = useRef(rows);
  useEffect(() => {
    const before = previous.current;
    previous.current = rows;
    if (before === rows || !Array.isArray(rows)) return;
    const patch = {};
    if (!server && Array.isArray(before) && before.length !== rows.length && state.page !== 0) patch.page = 0;
    if (state.selectedRow !== null && state.selectedRow !== undefined) {
      const index = rows.findIndex((row) => sameRow(row, state.selectedRow, rowKey));
      if (index === -1) Object.assign(patch, { selectedRow: null, selectedIndex: null });
      else if (rows[index] !== state.selectedRow) Object.assign(patch, { selectedRow: rows[index], selectedIndex: index });
    }
    if (Array.isArray(state.selectedRows) && state.selectedRows.length > 0) {
      const kept = state.selectedRows.map((s) => rows.find((row) => sameRow(row, s, rowKey))).filter(Boolean);
      if (kept.length !== state.selectedRows.length || kept.some((row, i) => row !== state.selectedRows[i])) patch.selectedRows = kept;
    }
    if (Object.keys(patch).length > 0) set(patch);
  }, [rows]);
}

function Cell({ row, column }) {
  const v = row?.[column.key];
  const text = formatValue(v, column.format, column);
  const numeric = isNumericFormat(column.format);
  const cls = `inset-td${numeric ? " inset-td--num" : ""}${text === "" ? " inset-td--null" : ""}`;
  if (column.format === "link") {
    const href = safeHref(v);
    if (href) {
      return html`<td class=${cls}><a class="inset-link" href=${href} target="_blank" rel="noopener noreferrer"
        onClick=${(e) => e.stopPropagation()}>${text}</a></td>`;
    }
  }
  // Long text is cut with an ellipsis (CSS); the title shows all of it on hover.
  const title = text.length > 30 ? text : undefined;
  if (column.format === "badge" && text !== "") {
    const tone = badgeTone(v, column.badgeColors);
    return html`<td class=${cls} title=${title}><span class=${`inset-badge inset-badge--${tone}`}>${text}</span></td>`;
  }
  return html`<td class=${cls} title=${title}>${text}</td>`;
}

/** Tell the app's author (console) about badgeColors that name no tone: those show neutral. */
function warnBadgeColors(tableId, columns) {
  for (const c of columns) {
    if (c.format !== "badge" || c.badgeColors === undefined) continue;
    if (!c.badgeColors || typeof c.badgeColors !== "object" || Array.isArray(c.badgeColors)) {
      warnOnce(`${tableId}: column ${c.key}: badgeColors must map values to tones (${BADGE_TONES.join(", ")})`);
      continue;
    }
    for (const [value, tone] of Object.entries(c.badgeColors)) {
      if (!BADGE_TONES.includes(tone)) {
        warnOnce(`${tableId}: column ${c.key}: badgeColors.${value} "${tone}" is not one of ${BADGE_TONES.join(", ")}; shown neutral`);
      }
    }
  }
}

const count = new Intl.NumberFormat();

/** The Download CSV button: the rows the table shows (all pages), or for paging: server
 * all rows of the query up to the server's row limit. */
function DownloadButton({ def, store, columns, rows, state, queryName, server }) {
  const [busy, setBusy] = useState(false);
  const onClick = async () => {
    setBusy(true);
    try {
      const data = server && queryName ? await store.allRows(queryName)
        : viewRows(rows, { columns, searchText: state.searchText, sort: state.sort });
      const cols = columns.map((c) => ({ key: c.key, label: c.label }));
      await store.saveDownload({ data, query: queryName, format: "csv", filename: def.id || queryName || "table", columns: cols });
    } catch (err) {
      store.notify(`The download failed: ${err?.message || "unknown error"}`, "error");
    } finally {
      setBusy(false);
    }
  };
  return html`<button type="button" class="inset-btn inset-btn--secondary inset-btn--small inset-table__download"
    disabled=${busy} aria-busy=${busy ? "true" : "false"} onClick=${onClick}>Download CSV</button>`;
}

export function Table({ def, store }) {
  const stateSignal = store.componentState(def.id);
  const state = stateSignal ? stateSignal.value : { page: 0, searchText: "", sort: null, selectedRow: null, selectedRows: [] };
  const set = (patch) => stateSignal && store.setComponentState(def.id, patch);
  const status = queryStatus(store, [def.data]);
  const r = store.evaluate(def.data);
  const data = Array.isArray(r.value) ? r.value : Array.isArray(r.value?.rows) ? r.value.rows : null;
  const rowKey = typeof def.rowKey === "string" ? def.rowKey
    : data && data[0] && typeof data[0] === "object" && "id" in data[0] ? "id" : null;
  const server = def.paging === "server";
  useFollowData(data, rowKey, state, set, server);

  if (status.error) {
    return html`<${ErrorPanel} title="Couldn't load this table" message=${status.error} onRetry=${status.retry} />`;
  }
  let rows = data;
  if (rows === null) {
    if (status.loading || (r.value == null && status.queries.length > 0 && !r.error)) return html`<${Loading} label="Loading data…" />`;
    if (r.error) {
      warnOnce(`${def.id}: ${r.error}`);
      return html`<${ErrorPanel} title="Couldn't show this table" message="Its data binding failed. The app's author can see the details in the browser console." />`;
    }
    rows = [];
  }

  const label = typeof def.title === "string" ? def.title : typeof def.label === "string" ? def.label : null;
  const columns = resolveColumns(def.columns, rows);
  warnBadgeColors(def.id, columns);
  const pageSize = Number.isInteger(def.pageSize) && def.pageSize > 0 ? def.pageSize : DEFAULT_PAGE_SIZE;
  const queryName = status.queries[0] ?? null;
  const paged = server && queryName ? store.queryState(queryName).value : null;
  const view = paged
    ? serverView(rows, { total: paged.totalRows, offset: paged.paging?.offset, page: state.page, pageSize })
    : tableView(rows, { columns, searchText: state.searchText, sort: state.sort, page: state.page, pageSize });
  const mode = selectionMode(def.selectable);
  const selectable = mode !== "none";
  const tableSortable = def.sortable !== false;
  const truncated = status.queries.some((n) => store.queryState(n).value.truncated);
  const id = domId(def.id);
  const selectedRows = Array.isArray(state.selectedRows) ? state.selectedRows : [];
  const isSelected = (row) => (mode === "multi"
    ? selectedRows.some((s) => sameRow(row, s, rowKey))
    : state.selectedRow !== null && state.selectedRow !== undefined && sameRow(row, state.selectedRow, rowKey));

  const select = (row) => {
    const index = rows.indexOf(row);
    if (mode === "single") {
      set({ selectedRow: row, selectedIndex: index, selectedRows: [row] });
    } else if (mode === "multi") {
      const on = !isSelected(row);
      const next = on ? [...selectedRows, row] : selectedRows.filter((s) => !sameRow(row, s, rowKey));
      set({ selectedRows: next, selectedRow: on ? row : next[next.length - 1] ?? null, selectedIndex: on ? index : null });
    } else {
      return;
    }
    if (Array.isArray(def.on_row_select)) store.runActions(def.on_row_select);
  };
  const activeIndex = Math.max(0, view.rows.findIndex((row) => isSelected(row)));

  const download = def.downloadable === true
    ? html`<${DownloadButton} def=${def} store=${store} columns=${columns} rows=${rows} state=${state}
        queryName=${queryName} server=${server} />`
    : null;
  const search = def.searchable === true || download ? html`<div class="inset-table__search">
      ${def.searchable === true ? html`<input class="inset-input inset-input--search" type="search"
        placeholder="Search" aria-label=${`Search ${label || "table"}`} aria-controls=${id} value=${state.searchText}
        onInput=${(e) => set({ searchText: e.currentTarget.value, page: 0 })} />` : null}
      ${download}
    </div>` : null;

  const header = html`<tr>${columns.map((c) => {
    const dir = state.sort && state.sort.key === c.key ? state.sort.direction : null;
    const cls = isNumericFormat(c.format) ? "inset-th inset-th--num" : "inset-th";
    const width = typeof c.width === "string" && /^\d+(\.\d+)?(px|%|em|rem|ch)$/.test(c.width) ? { width: c.width } : undefined;
    const sortable = tableSortable && c.sortable !== false;
    return html`<th scope="col" class=${cls} style=${width}
      aria-sort=${sortable ? (dir === "asc" ? "ascending" : dir === "desc" ? "descending" : "none") : undefined}>
      ${sortable ? html`<button type="button" class="inset-th__btn"
        onClick=${() => set({ sort: nextSort(state.sort, c.key), page: 0 })}>
        <span>${c.label}</span><${SortIcon} direction=${dir} /></button>` : c.label}
    </th>`;
  })}</tr>`;

  const body = view.rows.map((row, i) => {
    const selected = selectable && isSelected(row);
    return html`<tr class=${selected ? "inset-tr inset-tr--selected" : "inset-tr"}
      aria-selected=${selectable ? String(selected) : undefined}
      tabindex=${selectable ? (i === activeIndex ? 0 : -1) : undefined}
      onClick=${selectable ? () => select(row) : undefined}
      onKeyDown=${selectable ? (e) => onRowKeyDown(e, () => select(row)) : undefined}>
      ${columns.map((c) => html`<${Cell} row=${row} column=${c} />`)}
    </tr>`;
  });

  const empty = view.total === 0;
  const emptyText = state.searchText ? "No rows match your search."
    : typeof def.emptyText === "string" ? def.emptyText : "No rows";

  return html`<div class=${`inset-table${status.loading ? " inset-table--busy" : ""}`} aria-busy=${status.loading ? "true" : "false"}>
    ${label ? html`<div class="inset-table__title" id=${`${id}-label`}>${label}</div>` : null}
    ${search}
    ${status.loading ? html`<div class="inset-progress" role="progressbar" aria-label="Loading"></div>` : null}
    ${empty ? html`<${Empty} label=${emptyText} />` : html`<div class="inset-table__scroll">
      <table id=${id} class="inset-table__table" role=${selectable ? "grid" : undefined}
        aria-multiselectable=${mode === "multi" ? "true" : undefined}
        aria-labelledby=${label ? `${id}-label` : undefined} aria-label=${label ? undefined : def.id}>
        <thead>${header}</thead>
        <tbody>${body}</tbody>
      </table>
    </div>`}
    ${!empty && (view.pageCount > 1 || truncated) ? html`<div class="inset-table__footer">
      <span class="inset-table__count">
        ${count.format(view.start)}–${count.format(view.end)} of ${count.format(view.total)}${truncated && !server ? " (first rows only)" : ""}
      </span>
      ${view.pageCount > 1 ? html`<div class="inset-pager" role="group" aria-label="Pages">
        <button type="button" class="inset-btn inset-btn--secondary inset-btn--small" disabled=${view.page === 0}
          onClick=${() => set({ page: view.page - 1 })} aria-label="Previous page">‹ Prev</button>
        <span class="inset-pager__label" aria-live="polite">Page ${view.page + 1} of ${view.pageCount}</span>
        <button type="button" class="inset-btn inset-btn--secondary inset-btn--small" disabled=${view.page >= view.pageCount - 1}
          onClick=${() => set({ page: view.page + 1 })} aria-label="Next page">Next ›</button>
      </div>` : null}
    </div>` : null}
  </div>`;
}
