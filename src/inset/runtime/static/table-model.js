// Pure table logic: columns, search, sort, paging. No DOM, no Preact: unit-tested in Node.

import { formatValue } from "./format.js";

/** Columns from the author's list, or derived from the keys of the first rows. */
export function resolveColumns(columns, rows) {
  if (Array.isArray(columns) && columns.length > 0) {
    return columns
      .filter((c) => c && (typeof c === "string" || typeof c.key === "string"))
      .map((c) => (typeof c === "string" ? { key: c, label: c } : { ...c, label: c.label ?? c.key }));
  }
  const keys = [];
  const seen = new Set();
  for (const row of (rows || []).slice(0, 50)) {
    if (!row || typeof row !== "object") continue;
    for (const key of Object.keys(row)) {
      if (!seen.has(key)) {
        seen.add(key);
        keys.push(key);
      }
    }
  }
  return keys.map((key) => ({ key, label: key }));
}

/** Rows whose formatted cells contain every word of `text` (case-insensitive). */
export function filterRows(rows, columns, text) {
  const words = String(text || "").toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return rows;
  return rows.filter((row) => {
    const hay = columns
      .map((c) => {
        const v = row?.[c.key];
        return `${v ?? ""} ${formatValue(v, c.format, c)}`;
      })
      .join(" ")
      .toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

/** Compare two cell values: nulls last, numbers numerically, strings naturally. */
export function compareValues(a, b) {
  const aNull = a === null || a === undefined || a === "";
  const bNull = b === null || b === undefined || b === "";
  if (aNull || bNull) return aNull === bNull ? 0 : aNull ? 1 : -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
  if (typeof a === "object" || typeof b === "object") return collator.compare(JSON.stringify(a), JSON.stringify(b));
  return collator.compare(String(a), String(b));
}

/** A stably sorted copy; direction "asc" | "desc". Nulls stay last in both directions. */
export function sortRows(rows, key, direction) {
  if (!key) return rows;
  const sign = direction === "desc" ? -1 : 1;
  return rows
    .map((row, index) => ({ row, index }))
    .sort((x, y) => {
      const a = x.row?.[key];
      const b = y.row?.[key];
      const aNull = a === null || a === undefined || a === "";
      const bNull = b === null || b === undefined || b === "";
      if (aNull || bNull) return aNull === bNull ? x.index - y.index : aNull ? 1 : -1;
      return sign * compareValues(a, b) || x.index - y.index;
    })
    .map((x) => x.row);
}

/** Next sort state when a header is clicked: asc -> desc -> none. */
export function nextSort(sort, key) {
  if (!sort || sort.key !== key) return { key, direction: "asc" };
  if (sort.direction === "asc") return { key, direction: "desc" };
  return null;
}

/**
 * One page of rows. page is 0-based and clamped into range.
 * Returns {rows, page, pageCount, start, end, total} (start/end 1-based, inclusive; 0 when empty).
 */
export function paginate(rows, page, pageSize) {
  const size = Number.isInteger(pageSize) && pageSize > 0 ? pageSize : 10;
  const total = rows.length;
  const pageCount = Math.max(1, Math.ceil(total / size));
  const current = Math.min(Math.max(0, Number.isInteger(page) ? page : 0), pageCount - 1);
  const from = current * size;
  const slice = rows.slice(from, from + size);
  return {
    rows: slice,
    page: current,
    pageCount,
    start: total === 0 ? 0 : from + 1,
    end: from + slice.length,
    total,
  };
}

/** search -> sort: every row the table shows, on any page (what a download saves). */
export function viewRows(rows, { columns, searchText, sort }) {
  const list = Array.isArray(rows) ? rows : [];
  const filtered = filterRows(list, columns, searchText);
  return sort ? sortRows(filtered, sort.key, sort.direction) : filtered;
}

/** search -> sort -> paginate, in that order. */
export function tableView(rows, { columns, searchText, sort, page, pageSize }) {
  return paginate(viewRows(rows, { columns, searchText, sort }), page, pageSize);
}

/**
 * The view of a server-paged table: `rows` is one page, `total` the server's totalRows,
 * `offset` where the page starts. Same shape as paginate().
 */
export function serverView(rows, { total, offset, page, pageSize }) {
  const list = Array.isArray(rows) ? rows : [];
  const size = Number.isInteger(pageSize) && pageSize > 0 ? pageSize : 10;
  const count = Number.isInteger(total) && total >= 0 ? total : list.length;
  const from = Number.isInteger(offset) && offset >= 0 ? offset : 0;
  return {
    rows: list,
    page: Number.isInteger(page) && page >= 0 ? page : Math.floor(from / size),
    pageCount: Math.max(1, Math.ceil(count / size)),
    start: list.length === 0 ? 0 : from + 1,
    end: from + list.length,
    total: count,
  };
}
