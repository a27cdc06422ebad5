// Files the user downloads: a table's rows or the download action's rows/value as CSV or
// JSON. Fetched on first use (a dynamic import), so it costs nothing before first data.
//
// CSV follows RFC 4180 (quotes doubled, CRLF lines) with a UTF-8 byte order mark for
// spreadsheet apps, and guards against formula injection: a text cell starting with
// = + - @ (or a tab / carriage return) gets a leading ' so a spreadsheet shows it as text.

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;
const BOM = "\uFEFF";

/** One CSV cell: null as empty, objects as JSON, formulas defused, quoted when needed. */
export function csvCell(value) {
  if (value === null || value === undefined) return "";
  let text;
  if (typeof value === "object") text = JSON.stringify(value);
  else text = String(value);
  if (typeof value !== "number" && typeof value !== "boolean" && FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Columns [{key, label}] of rows: the given ones, or every key in first-seen order. */
function columnsOf(rows, columns) {
  if (Array.isArray(columns) && columns.length > 0) return columns;
  const seen = new Map();
  for (const row of rows) {
    if (row && typeof row === "object") for (const key of Object.keys(row)) if (!seen.has(key)) seen.set(key, { key, label: key });
  }
  return [...seen.values()];
}

/** CSV text of rows (a list of objects; anything else becomes one "value" column). */
export function toCsv(rows, columns) {
  const list = (Array.isArray(rows) ? rows : [rows]).map((row) => (row && typeof row === "object" && !Array.isArray(row) ? row : { value: row }));
  const cols = columnsOf(list, columns);
  const lines = [cols.map((c) => csvCell(c.label ?? c.key)).join(",")];
  for (const row of list) lines.push(cols.map((c) => csvCell(row[c.key])).join(","));
  return `${lines.join("\r\n")}\r\n`;
}

/** A safe file name: letters, digits, . _ - only, with the format's extension. */
export function fileName(name, format) {
  const base = String(name ?? "").replace(/\.(csv|json)$/i, "").replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^[._]+/, "").slice(0, 100);
  return `${base || "download"}.${format}`;
}

/** Save data as a file; returns the row count (1 for a value that is not a list). */
export function saveAs(data, { format = "csv", filename = "download", columns } = {}) {
  const json = format === "json";
  const text = json ? JSON.stringify(data ?? null, null, 2) : BOM + toCsv(data ?? [], columns);
  const blob = new Blob([text], { type: json ? "application/json" : "text/csv;charset=utf-8" });
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName(filename, json ? "json" : "csv");
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return Array.isArray(data) ? data.length : 1;
}

/** Save rows or a value and audit it as data.downloaded (a failed audit call is ignored). */
export function saveDownload({ data, query = null, format = "csv", filename, columns }, { page, sendEvent }) {
  const rowCount = saveAs(data, { format, filename: filename || query || "download", columns });
  sendEvent({ type: "data.downloaded", page, query, rowCount, format }).catch(() => {});
  return rowCount;
}

/**
 * The download action {download: QUERY | "{{ value }}", format, filename}: true when the
 * file was saved; a failure shows an error toast and stops the action list (false).
 */
export async function downloadAction(action, { evaluate, allRows, saveDownload: save, notify }) {
  const format = action.format === "json" ? "json" : "csv";
  const named = typeof action.filename === "string" ? evaluate(action.filename).value : null;
  const filename = named === null || named === undefined || named === "" ? null : String(named);
  try {
    if (typeof action.download === "string" && action.download.includes("{{")) {
      const { value, error } = evaluate(action.download);
      if (error) throw new Error(error);
      await save({ data: value, format, filename: filename ?? "download" });
    } else {
      await save({ data: await allRows(action.download), query: action.download, format, filename });
    }
    return true;
  } catch (err) {
    if (err?.name === "AbortError") return false;
    notify(`The download failed: ${err?.message || "unknown error"}`, "error");
    return false;
  }
}
