// heading, text, stat, divider, and the placeholder for unknown types.
import { html } from "../html.js";
import { formatValue } from "../format.js";
import { ErrorPanel, Loading, queryStatus, textOf } from "./common.js";

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

/** Plain text; line breaks kept by CSS (white-space: pre-line). Markdown comes later. */
export function Text({ def, store }) {
  const source = def.value ?? def.text ?? "";
  return withStatus(store, [source], () => {
    const { text } = textOf(store, source, def.id);
    return html`<div class="inset-text">${text}</div>`;
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
