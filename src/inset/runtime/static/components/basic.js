// heading, text, stat, divider, and the placeholder for unknown types.
import { html } from "../html.js";
import { formatValue } from "../format.js";
import { ErrorPanel, Loading, queryStatus, textOf, warnOnce } from "./common.js";
import { markdown } from "./markdown.js";

function withStatus(store, values, render, { loadingLabel } = {}) {
  const status = queryStatus(store, values);
  if (status.error) return html`<${ErrorPanel} message=${status.error} onRetry=${status.retry} />`;
  if (status.pending) return html`<${Loading} label=${loadingLabel} compact />`;
  return render();
}

export function Heading({ def, store }) {
  const source = def.value ?? def.text ?? "";
  return withStatus(store, [source], () => {
    const { text } = textOf(store, source, def.id);
    const level = [1, 2, 3].includes(def.level) ? def.level : 2;
    const cls = `inset-heading inset-heading--${level}`;
    switch (level) {
      case 1: return html`<h1 class=${cls}>${text}</h1>`;
      case 3: return html`<h3 class=${cls}>${text}</h3>`;
      default: return html`<h2 class=${cls}>${text}</h2>`;
    }
  });
}

/** Markdown text, rendered to VNodes by markdown.js (raw HTML stays text). */
export function Text({ def, store }) {
  const source = def.value ?? def.text ?? "";
  return withStatus(store, [source], () => {
    const { text } = textOf(store, source, def.id);
    return html`<div class="inset-text">${markdown(text)}</div>`;
  });
}

const IMAGE_URL = /^(https?:\/\/|\/(?!\/))[^\s]*$|^data:image\/(png|jpeg|gif|webp|avif|svg\+xml);base64,[A-Za-z0-9+/=]+$/i;
const CSS_SIZE = /^\d+(\.\d+)?(px|%|em|rem|vw|vh)$/;

/** An image from an https/http URL, a same-origin path or a data:image URL. */
export function Image({ def, store }) {
  return withStatus(store, [def.src], () => {
    const r = store.evaluate(def.src);
    const src = typeof r.value === "string" && IMAGE_URL.test(r.value.trim()) ? r.value.trim() : null;
    const alt = def.alt !== undefined ? textOf(store, def.alt, def.id).text : "";
    if (!src) {
      if (r.error) warnOnce(`${def.id ?? "image"}: ${r.error}`);
      return html`<div class="inset-state inset-state--empty inset-image--missing" role="img" aria-label=${alt || "No image"}>No image</div>`;
    }
    const style = {};
    if (typeof def.width === "string" && CSS_SIZE.test(def.width)) style.width = def.width;
    if (typeof def.height === "string" && CSS_SIZE.test(def.height)) style.height = def.height;
    const fit = ["contain", "cover", "fill"].includes(def.fit) ? def.fit : "contain";
    return html`<img class=${`inset-image inset-image--${fit}`} src=${src} alt=${alt} style=${style}
      loading="lazy" decoding="async" referrerpolicy="no-referrer" />`;
  });
}

export function Stat({ def, store }) {
  const all = queryStatus(store, [def.label, def.value, def.caption]);
  if (all.error) return html`<${ErrorPanel} message=${all.error} onRetry=${all.retry} />`;
  const status = queryStatus(store, [def.value]);
  const label = textOf(store, def.label ?? "", def.id).text;
  const r = store.evaluate(def.value);
  let value;
  if (status.pending) value = html`<span class="inset-skeleton" role="status" aria-label="Loading"></span>`;
  else if (r.error) value = "—";
  else value = formatValue(r.value, def.format, def) || "—";
  const caption = def.caption !== undefined ? textOf(store, def.caption, def.id).text : "";
  return html`<div class="inset-stat" aria-busy=${status.loading ? "true" : "false"}>
    <div class="inset-stat__label">${label}</div>
    <div class="inset-stat__value">${value}</div>
    ${caption ? html`<div class="inset-stat__caption">${caption}</div>` : null}
  </div>`;
}

export function Divider({ def, store }) {
  const label = def.label !== undefined ? textOf(store, def.label, def.id).text : "";
  if (!label) return html`<hr class="inset-divider" />`;
  return html`<div class="inset-divider inset-divider--label" role="separator"><span>${label}</span></div>`;
}

export function Unknown({ def }) {
  const type = typeof def.type === "string" ? def.type : "(none)";
  return html`<div class="inset-state inset-state--unknown" role="note">
    <span>This component type isn't supported yet: <code>${type}</code></span>
  </div>`;
}
