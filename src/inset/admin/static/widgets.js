// Widgets shared by the Apps, Resources, Audit log and Embed playground pages (admin-2's).
// The generic ones (Page, DataTable, Field, Button, Modal, …) live in ui.js.
import { useEffect, useState } from "/static/vendor/hooks.module.js";
import { api } from "./api.js";
import { html } from "./html.js";
import { Field } from "./ui.js";

// The metadata JSON editor's text → {value} (an object) or {error}.
export function parseMetadata(text) {
  const source = (text || "").trim() || "{}";
  let value;
  try {
    value = JSON.parse(source);
  } catch (err) {
    return { error: `Not valid JSON: ${err.message}` };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { error: 'Metadata must be a JSON object, e.g. {"supplierId": 42}' };
  }
  return { value };
}

/** A form with a metadata editor: `submit(event, metadataText)` checks the JSON, then
 * resolves `send(metadata)` into `result`; a field error of the answer goes to `errors`. */
export function useMetadataSubmit(send) {
  const [errors, setErrors] = useState({});
  const [error, setError] = useState(null);
  const [result, setResult] = useState(null);
  async function submit(event, metadataText) {
    event.preventDefault();
    setError(null);
    const metadata = parseMetadata(metadataText);
    if (metadata.error) return setErrors({ metadata: metadata.error });
    setErrors({});
    try {
      setResult(await send(metadata.value));
    } catch (err) {
      setErrors(err.field ? { [err.field.split(".")[0]]: err.message } : {});
      setError(err);
    }
  }
  return { errors, error, result, submit };
}

/** The permission groups, for multi-selects ([] until loaded or when the call fails). */
export function useGroups() {
  const [groups, setGroups] = useState([]);
  useEffect(() => {
    api("GET", "/api/v1/groups").then(setGroups, () => setGroups([]));
  }, []);
  return groups;
}

/** A text input bound to form[key], inside a labelled Field. */
export function TextField({ label, form, setForm, name, error, hint, type = "text", ...rest }) {
  const onInput = (event) => setForm({ ...form, [name]: event.target.value });
  return html`<${Field} label=${label} error=${error} hint=${hint}>
    ${(p) => html`<input ...${p} name=${name} type=${type} value=${form[name]} onInput=${onInput} ...${rest} />`}
  <//>`;
}

/** The previewed user: external identifier, groups (multi-select), metadata (a JSON editor
 * checked as you type). `value` = {externalIdentifier, groupIds: [id strings], metadata}. */
export function UserFields({ value, onChange, groups, errors }) {
  const metadataError = errors.metadata || parseMetadata(value.metadata).error;
  const pickGroups = (event) =>
    onChange({ ...value, groupIds: Array.from(event.target.selectedOptions, (o) => o.value) });
  const size = Math.min(5, Math.max(2, groups.length));
  return html`
    <${TextField} label="External identifier" name="externalIdentifier" form=${value}
      setForm=${onChange} error=${errors.externalIdentifier} required />
    <${Field} label="Groups" error=${errors.groupIds} hint="Ctrl/⌘-click to choose several.">
      ${(p) => html`<select ...${p} name="groupIds" multiple size=${size} onChange=${pickGroups}>
        ${groups.map((g) => html`<option value=${String(g.id)} selected=${value.groupIds.includes(String(g.id))}>${g.name}</option>`)}
      </select>`}
    <//>
    <${Field} label="Metadata (JSON)" error=${metadataError}
      hint="Readable only on the server, as current_user.metadata.*">
      ${(p) => html`<textarea ...${p} name="metadata" rows="3" class="code" spellcheck="false"
        value=${value.metadata} onInput=${(e) => onChange({ ...value, metadata: e.target.value })}></textarea>`}
    <//>`;
}

function diffClass(line) {
  if (line.startsWith("+++") || line.startsWith("---")) return "diff-file";
  if (line.startsWith("@@")) return "diff-hunk";
  if (line.startsWith("+")) return "diff-add";
  if (line.startsWith("-")) return "diff-del";
  return "diff-same";
}

/** A unified diff (GET …/diff/…) with added and removed lines coloured. */
export function DiffView({ diff }) {
  if (!diff.diff) {
    return html`<p class="empty">${diff.from_version} and ${diff.to_version} are the same.</p>`;
  }
  const label = `Changes from ${diff.from_version} to ${diff.to_version}`;
  return html`<pre class="diff" tabindex="0" aria-label=${label}>${diff.diff
    .split("\n")
    .map((line) => html`<span class=${diffClass(line)}>${line}\n</span>`)}</pre>`;
}

/** The iframe of a preview minted by POST /api/v1/apps/{app}/preview or the playground. */
export function PreviewFrame({ preview, label }) {
  return html`<div class="preview">
    <p class="field-hint">Release ${preview.releaseVersion} of ${preview.app}, framed by
      ${" "}${preview.parentOrigin}. The link is single use: preview again for a fresh session.</p>
    <iframe class="preview-frame" title=${label} src=${preview.embedUrl} key=${preview.embedUrl}></iframe>
  </div>`;
}
