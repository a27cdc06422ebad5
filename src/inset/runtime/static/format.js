// Pure value formatting for table cells and stats. No DOM, no Preact: unit-tested in Node.

const numberFormats = new Map();

function numberFormat(locale, options) {
  const key = `${locale || ""}|${JSON.stringify(options)}`;
  let fmt = numberFormats.get(key);
  if (!fmt) {
    fmt = new Intl.NumberFormat(locale, options);
    numberFormats.set(key, fmt);
  }
  return fmt;
}

function toNumber(value) {
  if (typeof value === "number") return value;
  if (typeof value === "string" && value.trim() !== "") {
    const n = Number(value);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A Date from an ISO string, a Date or epoch milliseconds; null when not a date. */
export function toDate(value) {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  if (typeof value === "number") return new Date(value);
  if (typeof value !== "string" || value === "") return null;
  const m = DATE_ONLY.exec(value);
  // A bare date is a calendar day, not midnight UTC: build it in local time.
  const d = m ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

/**
 * Format one value for display. Returns a string; "" for null/undefined.
 * format: text | number | currency | percent | date | datetime | boolean | link | json | badge
 * (catalogue _FORMATS and _COLUMN_FORMATS; anything else is shown as text). A badge's text
 * is the value as text; its tone comes from badgeTone().
 * options: {locale, currency, decimals}
 */
export function formatValue(value, format, options = {}) {
  if (value === null || value === undefined) return "";
  const locale = options.locale;
  const decimals = Number.isInteger(options.decimals) ? options.decimals : undefined;
  switch (format) {
    case "number": {
      const n = toNumber(value);
      if (n === null) return String(value);
      const opts = decimals === undefined ? { maximumFractionDigits: 2 }
        : { minimumFractionDigits: decimals, maximumFractionDigits: decimals };
      return numberFormat(locale, opts).format(n);
    }
    case "currency": {
      const n = toNumber(value);
      if (n === null) return String(value);
      const currency = typeof options.currency === "string" && /^[A-Za-z]{3}$/.test(options.currency)
        ? options.currency.toUpperCase() : "USD";
      const opts = { style: "currency", currency };
      if (decimals !== undefined) {
        opts.minimumFractionDigits = decimals;
        opts.maximumFractionDigits = decimals;
      }
      return numberFormat(locale, opts).format(n);
    }
    case "percent": {
      // A fraction: 0.25 -> 25%.
      const n = toNumber(value);
      if (n === null) return String(value);
      return numberFormat(locale, { style: "percent", maximumFractionDigits: decimals ?? 1 }).format(n);
    }
    case "date":
    case "datetime": {
      const d = toDate(value);
      if (d === null) return String(value);
      const opts = format === "date" ? { dateStyle: "medium" } : { dateStyle: "medium", timeStyle: "short" };
      return new Intl.DateTimeFormat(locale, opts).format(d);
    }
    case "boolean":
      if (value === true || value === 1 || value === "true") return "Yes";
      if (value === false || value === 0 || value === "false") return "No";
      return String(value);
    case "json":
      return JSON.stringify(value);
    default:
      if (typeof value === "object") return JSON.stringify(value);
      return String(value);
  }
}

/** The tones of a badge (CSS inset-badge--TONE); a table column's badgeColors maps values to them. */
export const BADGE_TONES = ["neutral", "success", "warning", "danger", "info"];

/**
 * The tone of a badge for a value: badgeColors[value as text] when it is one of BADGE_TONES,
 * else "neutral" (also for a missing map, an unknown value or an unknown tone).
 */
export function badgeTone(value, badgeColors) {
  if (value === null || value === undefined || !badgeColors || typeof badgeColors !== "object" || Array.isArray(badgeColors)) return "neutral";
  const key = typeof value === "object" ? JSON.stringify(value) : String(value);
  // Own keys only: a value such as "constructor" must not reach Object.prototype.
  const tone = Object.prototype.hasOwnProperty.call(badgeColors, key) ? badgeColors[key] : undefined;
  return BADGE_TONES.includes(tone) ? tone : "neutral";
}

/** Formats whose cells are right-aligned (numbers line up). */
export function isNumericFormat(format) {
  return format === "number" || format === "currency" || format === "percent";
}

/** The value as a link target when it is an absolute http(s) or mailto URL; else null. */
export function safeHref(value) {
  if (typeof value !== "string" || value.length > 2048) return null;
  let url;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  return ["http:", "https:", "mailto:"].includes(url.protocol) ? url.href : null;
}
