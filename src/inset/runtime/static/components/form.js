// form: input fields keyed by `name`, validated in the browser (required, minLength,
// maxLength, pattern, email/url, min/max), submit -> on_submit actions (which read
// {{ FORM.data.NAME }}), reset. State: data (values by field name), isValid.
// The server re-checks every param (types, bounds): this is for the user, not security.
import { html } from "../html.js";
import { useEffect, useRef } from "../vendor/hooks.module.js";
import { useSignal } from "../vendor/signals.module.js";
import { domId, textOf } from "./common.js";
import { FIELD_COMPONENTS as INPUTS } from "./inputs.js";
import { FileUpload } from "./upload.js";

const FIELD_COMPONENTS = { ...INPUTS, file_upload: FileUpload };

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const URL_RE = /^https?:\/\/[^\s]+$/i;

function fieldsOf(def) {
  return (Array.isArray(def.fields) ? def.fields : []).filter(
    (f) => f && typeof f === "object" && typeof f.name === "string" && FIELD_COMPONENTS[f.type],
  );
}

/** The empty value of a field type. */
function emptyValue(type) {
  if (type === "multiselect" || type === "file_upload") return [];
  if (type === "checkbox" || type === "switch") return false;
  if (type === "text_input") return "";
  return null;
}

function initialValue(field, store) {
  if (field.value === undefined) return emptyValue(field.type);
  const { value, error } = store.evaluate(field.value);
  if (error || value === undefined) return emptyValue(field.type);
  if (field.type === "text_input") return value === null ? "" : String(value);
  if (field.type === "number_input") return typeof value === "number" && Number.isFinite(value) ? value : null;
  if (field.type === "multiselect" || field.type === "file_upload") return Array.isArray(value) ? value : [];
  if (field.type === "checkbox" || field.type === "switch") return value === true;
  return value;
}

function fieldLabel(field, store) {
  const label = field.label !== undefined ? textOf(store, field.label, field.name).text : "";
  return label || field.name;
}

/** The message for an invalid value, or null. Exported for tests. */
export function validateField(field, value, label = field.name) {
  const empty = value === null || value === undefined || value === "" || (Array.isArray(value) && value.length === 0)
    || ((field.type === "checkbox" || field.type === "switch") && value !== true);
  if (empty) {
    if (field.required !== true) return null;
    if (field.type === "checkbox" || field.type === "switch") return `Tick “${label}” to continue.`;
    if (["select", "multiselect", "date_input", "file_upload"].includes(field.type)) return `Choose ${label.toLowerCase()}.`;
    return `Enter ${label.toLowerCase()}.`;
  }
  if (field.type === "text_input") {
    const text = String(value);
    if (Number.isInteger(field.minLength) && text.length < field.minLength) return `Use at least ${field.minLength} characters.`;
    if (Number.isInteger(field.maxLength) && text.length > field.maxLength) return `Use at most ${field.maxLength} characters.`;
    if (field.inputType === "email" && !EMAIL.test(text)) return "Enter an email address, like name@example.com.";
    if (field.inputType === "url" && !URL_RE.test(text)) return "Enter a web address starting with https://.";
    if (typeof field.pattern === "string" && field.pattern) {
      let re = null;
      try {
        re = new RegExp(`^(?:${field.pattern})$`, "u");
      } catch {
        re = null; // the validator rejects bad patterns; never block the user on one
      }
      if (re && !re.test(text)) {
        return typeof field.patternMessage === "string" && field.patternMessage ? field.patternMessage : "This isn't in the expected format.";
      }
    }
  } else if (field.type === "number_input") {
    if (typeof value !== "number" || !Number.isFinite(value)) return "Enter a number.";
    if (typeof field.min === "number" && value < field.min) return `Enter ${field.min} or more.`;
    if (typeof field.max === "number" && value > field.max) return `Enter ${field.max} or less.`;
    if (field.step === 1 && !Number.isInteger(value)) return "Enter a whole number.";
  } else if (field.type === "date_input") {
    if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return "Enter a date.";
    if (typeof field.min === "string" && value < field.min) return `Choose ${field.min} or later.`;
    if (typeof field.max === "string" && value > field.max) return `Choose ${field.max} or earlier.`;
  }
  return null;
}

export function Form({ def, store }) {
  const stateSignal = store.componentState(def.id);
  const fields = fieldsOf(def);
  const initial = useRef(null);
  if (initial.current === null) {
    initial.current = Object.fromEntries(fields.map((f) => [f.name, initialValue(f, store)]));
  }
  const touched = useSignal({}); // name -> true once changed
  const submitted = useSignal(false); // show every error after a submit attempt
  const busy = useSignal(false);
  const formId = domId(def.id ?? "form");

  const data = { ...initial.current, ...(stateSignal ? stateSignal.value.data : {}) };
  const labels = Object.fromEntries(fields.map((f) => [f.name, fieldLabel(f, store)]));
  const errors = {};
  for (const f of fields) {
    const message = validateField(f, data[f.name], labels[f.name]);
    if (message) errors[f.name] = message;
  }
  const isValid = Object.keys(errors).length === 0;

  // Publish the initial data (and validity) once, so bindings see it before any change.
  useEffect(() => {
    if (stateSignal) store.setComponentState(def.id, { data, isValid });
  }, []);

  const setValue = (f, value) => {
    const next = { ...data, [f.name]: value };
    const valid = fields.every((g) => !validateField(g, next[g.name], labels[g.name]));
    if (stateSignal) store.setComponentState(def.id, { data: next, isValid: valid });
    if (typeof f.id === "string") store.setComponentState(f.id, { value });
    touched.value = { ...touched.value, [f.name]: true };
    if (Array.isArray(f.on_change)) store.runActions(f.on_change);
  };

  const reset = () => {
    const fresh = { ...initial.current };
    if (stateSignal) store.setComponentState(def.id, { data: fresh, isValid: fields.every((g) => !validateField(g, fresh[g.name], labels[g.name])) });
    for (const f of fields) if (typeof f.id === "string") store.setComponentState(f.id, { value: fresh[f.name] });
    touched.value = {};
    submitted.value = false;
  };

  const onSubmit = async (e) => {
    e.preventDefault();
    if (busy.value) return;
    if (!isValid) {
      submitted.value = true;
      // Focus the first invalid field so keyboard and screen reader users land on it.
      const first = fields.find((f) => errors[f.name]);
      requestAnimationFrame(() => {
        const el = document.getElementById(`${formId}-${first.name}`);
        if (el) el.focus();
      });
      return;
    }
    busy.value = true;
    let ok = false;
    try {
      ok = await store.runActions(def.on_submit);
    } finally {
      busy.value = false;
    }
    if (ok && def.resetOnSubmit === true) reset();
  };

  const disabled = (def.disabled !== undefined && Boolean(store.evaluate(def.disabled).value)) || busy.value;
  const title = def.title !== undefined ? textOf(store, def.title, def.id).text : "";
  const submitLabel = def.submitLabel !== undefined ? textOf(store, def.submitLabel, def.id).text : "Submit";
  const count = fields.filter((f) => errors[f.name]).length;

  return html`<form class="inset-form" id=${formId} novalidate onSubmit=${onSubmit} onReset=${(e) => { e.preventDefault(); reset(); }}
    aria-labelledby=${title ? `${formId}-title` : undefined} aria-label=${title ? undefined : def.id} aria-busy=${busy.value ? "true" : "false"}>
    ${title ? html`<h3 class="inset-form__title" id=${`${formId}-title`}>${title}</h3>` : null}
    ${submitted.value && count > 0 ? html`<div class="inset-form__summary" role="alert">
      ${count === 1 ? "Fix the field marked below to continue." : `Fix the ${count} fields marked below to continue.`}
    </div>` : null}
    <div class="inset-form__fields">
      ${fields.map((f) => {
        const Impl = FIELD_COMPONENTS[f.type];
        const field = {
          domId: `${formId}-${f.name}`,
          value: data[f.name],
          set: (v) => setValue(f, v),
          error: submitted.value || touched.value[f.name] ? errors[f.name] ?? null : null,
          disabled,
        };
        return html`<div key=${f.name} class=${`inset-form__field inset-c--${f.type}`} data-field=${f.name}><${Impl} def=${f} store=${store} field=${field} /></div>`;
      })}
    </div>
    <div class="inset-form__actions">
      <button type="submit" class="inset-btn inset-btn--primary" disabled=${disabled} aria-busy=${busy.value ? "true" : "false"}>
        ${busy.value ? html`<span class="inset-spinner inset-spinner--small" aria-hidden="true"></span>` : null}
        <span>${submitLabel}</span>
      </button>
      <button type="reset" class="inset-btn inset-btn--secondary" disabled=${disabled}>Reset</button>
    </div>
  </form>`;
}
