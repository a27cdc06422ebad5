// A tiny, safe Markdown renderer that builds Preact VNodes (never innerHTML): headings,
// paragraphs (a line break in the source is a line break, as in GitHub comments; use
// YAML's folded `>-` for long paragraphs), **bold**, *italic*, `code`, fenced code blocks, lists,
// block quotes, rules and [links](https://…) (http, https and mailto only; they open in a
// new tab with rel=noopener). Raw HTML is not interpreted: it stays visible text.
import { h } from "../vendor/preact.module.js";

const SAFE_URL = /^(https?:\/\/|mailto:)[^\s\u0000-\u001f]*$/i;

/** The URL if it is http(s) or mailto, else null. */
export function safeLink(url) {
  const u = String(url ?? "").trim();
  return SAFE_URL.test(u) ? u : null;
}

const PUNCT = /[\\`*_{}[\]()#+\-.!>~|]/;

function findClosing(text, marker, from) {
  let i = from;
  while (i < text.length) {
    if (text[i] === "\\") {
      i += 2;
      continue;
    }
    if (text.startsWith(marker, i)) return i;
    i += 1;
  }
  return -1;
}

/** Index of the ")" that closes a link target starting at `from` (balanced parens). */
function closingParen(text, from) {
  let depth = 0;
  for (let i = from; i < text.length; i += 1) {
    if (text[i] === "(") depth += 1;
    else if (text[i] === ")") {
      if (depth === 0) return i;
      depth -= 1;
    }
  }
  return -1;
}

/** Inline Markdown to an array of strings and VNodes. */
export function inline(text, depth = 0) {
  const out = [];
  let buf = "";
  const flush = () => {
    if (buf) out.push(buf);
    buf = "";
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === "\\" && i + 1 < text.length && PUNCT.test(text[i + 1])) {
      buf += text[i + 1];
      i += 2;
      continue;
    }
    if (c === "`") {
      const end = text.indexOf("`", i + 1);
      if (end > i + 1) {
        flush();
        out.push(h("code", { class: "inset-md-code" }, text.slice(i + 1, end)));
        i = end + 1;
        continue;
      }
    }
    if (depth < 8 && (text.startsWith("**", i) || text.startsWith("__", i))) {
      const marker = text.slice(i, i + 2);
      const end = findClosing(text, marker, i + 2);
      if (end > i + 2) {
        flush();
        out.push(h("strong", null, inline(text.slice(i + 2, end), depth + 1)));
        i = end + 2;
        continue;
      }
    }
    if (depth < 8 && (c === "*" || c === "_") && text[i + 1] && text[i + 1] !== " ") {
      // _ inside a word (snake_case) is not emphasis.
      const wordBefore = c === "_" && i > 0 && /[A-Za-z0-9]/.test(text[i - 1]);
      const end = wordBefore ? -1 : findClosing(text, c, i + 1);
      const wordAfter = end > 0 && c === "_" && /[A-Za-z0-9]/.test(text[end + 1] ?? "");
      if (end > i + 1 && text[end - 1] !== " " && !wordAfter) {
        flush();
        out.push(h("em", null, inline(text.slice(i + 1, end), depth + 1)));
        i = end + 1;
        continue;
      }
    }
    if (c === "[") {
      const close = findClosing(text, "](", i + 1);
      const end = close > 0 ? closingParen(text, close + 2) : -1;
      if (close > 0 && end > 0) {
        const label = text.slice(i + 1, close);
        const href = safeLink(text.slice(close + 2, end));
        flush();
        if (href) {
          out.push(h("a", { class: "inset-link", href, target: "_blank", rel: "noopener noreferrer" }, inline(label, depth + 1)));
        } else {
          out.push(...inline(label, depth + 1)); // unsafe or relative URL: keep only the text
        }
        i = end + 1;
        continue;
      }
    }
    buf += c;
    i += 1;
  }
  flush();
  return out;
}

function withBreaks(lines) {
  const out = [];
  lines.forEach((line, i) => {
    if (i > 0) out.push(h("br", null));
    out.push(...inline(line));
  });
  return out;
}

const LIST_ITEM = /^\s{0,3}([-*+]|\d{1,9}[.)])\s+(.*)$/;
const HEADING = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const RULE = /^\s{0,3}([-*_])(\s*\1){2,}\s*$/;
const FENCE = /^\s{0,3}(```|~~~)/;

/** Markdown source to an array of block VNodes. */
export function markdown(source) {
  const lines = String(source ?? "").replace(/\r\n?/g, "\n").split("\n");
  const blocks = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (!line.trim()) {
      i += 1;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const body = [];
      i += 1;
      while (i < lines.length && !lines[i].trim().startsWith(fence[1])) body.push(lines[i++]);
      i += 1;
      blocks.push(h("pre", { class: "inset-md-pre" }, h("code", null, body.join("\n"))));
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      const level = Math.min(heading[1].length + 1, 6);
      blocks.push(h(`h${level}`, { class: `inset-md-h inset-md-h${heading[1].length}` }, inline(heading[2])));
      i += 1;
      continue;
    }
    if (RULE.test(line)) {
      blocks.push(h("hr", { class: "inset-md-hr" }));
      i += 1;
      continue;
    }
    if (/^\s{0,3}>/.test(line)) {
      const body = [];
      while (i < lines.length && /^\s{0,3}>/.test(lines[i])) body.push(lines[i++].replace(/^\s{0,3}>\s?/, ""));
      blocks.push(h("blockquote", { class: "inset-md-quote" }, markdown(body.join("\n"))));
      continue;
    }
    const item = LIST_ITEM.exec(line);
    if (item) {
      const ordered = /\d/.test(item[1]);
      const items = [];
      while (i < lines.length) {
        const m = LIST_ITEM.exec(lines[i]);
        if (m && /\d/.test(m[1]) === ordered) {
          items.push([m[2]]);
        } else if (lines[i].trim() && /^\s{2,}\S/.test(lines[i]) && items.length) {
          items[items.length - 1].push(lines[i].trim()); // continuation line
        } else {
          break;
        }
        i += 1;
      }
      const start = ordered ? parseInt(item[1], 10) : 1;
      blocks.push(h(ordered ? "ol" : "ul", { class: "inset-md-list", start: ordered && start !== 1 ? start : undefined },
        items.map((lines_) => h("li", null, withBreaks(lines_)))));
      continue;
    }
    const para = [];
    while (i < lines.length && lines[i].trim() && !FENCE.test(lines[i]) && !HEADING.test(lines[i])
      && !LIST_ITEM.test(lines[i]) && !/^\s{0,3}>/.test(lines[i]) && !(para.length && RULE.test(lines[i]))) {
      para.push(lines[i]);
      i += 1;
    }
    blocks.push(h("p", { class: "inset-md-p" }, withBreaks(para)));
  }
  return blocks;
}
