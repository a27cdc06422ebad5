// file_upload: pick files, checked in the browser against `accept` and `maxSizeBytes`,
// read as base64. State: value = files = [{name, type, size, data}] (data: base64, no
// data: prefix) — exactly the object a query's `type: file` param takes, e.g.
// `doc: {type: file, maxBytes: 2097152, accept: [.pdf], value: "{{ upload.value[0] }}"}`
// (in a form: "{{ myForm.data.FIELD[0] }}"). The server checks it again (size, type,
// magic bytes) and binds the bytes: docs/queries.md, "File params".
import { html } from "../html.js";
import { useSignal } from "../vendor/signals.module.js";
import { domId, textOf } from "./common.js";

const DEFAULT_MAX = 5_000_000;

function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** Does the file match an accept list like ".csv,image/*,application/pdf"? */
export function accepts(accept, file) {
  if (typeof accept !== "string" || !accept.trim()) return true;
  const name = String(file.name || "").toLowerCase();
  const type = String(file.type || "").toLowerCase();
  return accept.split(",").map((a) => a.trim().toLowerCase()).filter(Boolean).some((a) => {
    if (a.startsWith(".")) return name.endsWith(a);
    if (a.endsWith("/*")) return type.startsWith(a.slice(0, -1));
    return type === a;
  });
}

function readBase64(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const url = String(reader.result || "");
      resolve(url.slice(url.indexOf(",") + 1));
    };
    reader.onerror = () => reject(reader.error || new Error("read failed"));
    reader.readAsDataURL(file);
  });
}

export function FileUpload({ def, store, field }) {
  const id = field?.domId ?? domId(def.id);
  const state = field ? null : store.componentState(def.id);
  const files = field ? (Array.isArray(field.value) ? field.value : []) : state?.value.value ?? [];
  const problems = useSignal([]);
  const reading = useSignal(false);
  const max = Number.isInteger(def.maxSizeBytes) && def.maxSizeBytes > 0 ? def.maxSizeBytes : DEFAULT_MAX;
  const label = def.label !== undefined ? textOf(store, def.label, def.id ?? def.name).text : "";
  const disabled = Boolean(field?.disabled) || (def.disabled !== undefined && Boolean(store.evaluate(def.disabled).value));

  const publish = (next) => {
    if (field) field.set(next);
    else if (state) {
      store.setComponentState(def.id, { value: next, files: next });
      if (Array.isArray(def.on_change)) store.runActions(def.on_change);
    }
  };

  const onChange = async (e) => {
    const input = e.currentTarget;
    const picked = [...(input.files || [])];
    input.value = ""; // picking the same file again fires change again
    const errors = [];
    const ok = [];
    for (const file of picked) {
      if (!accepts(def.accept, file)) errors.push(`${file.name}: this type of file isn't accepted.`);
      else if (file.size > max) errors.push(`${file.name} is ${formatSize(file.size)}; the limit is ${formatSize(max)}.`);
      else ok.push(file);
    }
    problems.value = errors;
    if (ok.length === 0) return;
    reading.value = true;
    try {
      const read = await Promise.all(ok.map(async (f) => ({ name: f.name, type: f.type || "application/octet-stream", size: f.size, data: await readBase64(f) })));
      publish(def.multiple === true ? [...files, ...read] : read.slice(0, 1));
    } catch {
      problems.value = [...errors, "A file couldn't be read. Try again."];
    } finally {
      reading.value = false;
    }
  };

  const remove = (i) => publish(files.filter((_, j) => j !== i));
  const error = field?.error ?? null;
  const described = [problems.value.length ? `${id}-problems` : null, error ? `${id}-error` : null].filter(Boolean).join(" ") || undefined;
  return html`<div class=${`inset-field inset-upload${error || problems.value.length ? " inset-field--invalid" : ""}`}>
    ${label ? html`<label class="inset-field__label" for=${id}>${label}${def.required === true
      ? html`<span class="inset-field__required" aria-hidden="true"> *</span>` : null}</label>` : null}
    <input class="inset-input inset-upload__input" type="file" id=${id} accept=${typeof def.accept === "string" ? def.accept : undefined}
      multiple=${def.multiple === true} disabled=${disabled || reading.value} onChange=${onChange}
      aria-label=${label ? undefined : def.name || def.id} aria-describedby=${described} aria-invalid=${error ? "true" : undefined} />
    <div class="inset-field__hint">${`Up to ${formatSize(max)}${def.multiple === true ? " each" : ""}.`}${typeof def.accept === "string" && def.accept ? ` Accepted: ${def.accept}.` : ""}</div>
    ${reading.value ? html`<div class="inset-field__hint" role="status">Reading…</div>` : null}
    ${problems.value.length ? html`<ul class="inset-field__error inset-upload__problems" id=${`${id}-problems`} role="alert">
      ${problems.value.map((p) => html`<li>${p}</li>`)}</ul>` : null}
    ${files.length ? html`<ul class="inset-upload__files" aria-label="Chosen files">
      ${files.map((f, i) => html`<li key=${`${f.name}-${i}`} class="inset-upload__file">
        <span class="inset-upload__name">${f.name}</span>
        <span class="inset-upload__size">${formatSize(f.size)}</span>
        <button type="button" class="inset-btn inset-btn--secondary inset-btn--small" disabled=${disabled}
          aria-label=${`Remove ${f.name}`} onClick=${() => remove(i)}>Remove</button>
      </li>`)}</ul>` : null}
    ${error ? html`<div class="inset-field__error" id=${`${id}-error`}>${error}</div>` : null}
  </div>`;
}
