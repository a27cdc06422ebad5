// Inputs: text_input, number_input, date_input, select, multiselect, checkbox, switch.
// Standalone, an input's `value` is its component state (e.g. {{ search.value }}). Inside
// a form, the form passes `field` = {value, set, error}: the value lives in the form's data
// (and is mirrored to the input's own state when it has an id).
// Props as in the catalogue (src/inset/apps/components.py).
import { html } from "../html.js";
import { domId, displayText, textOf } from "./common.js";

/** {value, set(v), error, id} for an input, from the form or from its own state. */
function useBinding(def, store, field, suffix = "") {
  const id = field?.domId ?? domId(def.id, suffix);
  if (field) return { id, value: field.value, set: field.set, error: field.error };
  const state = store.componentState(def.id);
  return {
    id,
    value: state ? state.value.value : undefined,
    set: (value, extra) => {
      if (!state) return;
      store.setComponentState(def.id, { value, ...extra });
      if (Array.isArray(def.on_change)) store.runActions(def.on_change);
    },
    error: null,
  };
}

function labelOf(def, store) {
  return def.label !== undefined ? textOf(store, def.label, def.id ?? def.name).text : "";
}

function isDisabled(def, store, field) {
  if (field?.disabled) return true;
  return def.disabled !== undefined && Boolean(store.evaluate(def.disabled).value);
}

function Required({ def }) {
  return def.required === true ? html`<span class="inset-field__required" aria-hidden="true"> *</span>` : null;
}

function FieldError({ id, error }) {
  return error ? html`<div class="inset-field__error" id=${`${id}-error`}>${error}</div>` : null;
}

function Field({ def, store, id, error, children }) {
  const label = labelOf(def, store);
  return html`<div class=${`inset-field${error ? " inset-field--invalid" : ""}`}>
    ${label ? html`<label class="inset-field__label" for=${id}>${label}<${Required} def=${def} /></label>` : null}
    ${children}
    <${FieldError} id=${id} error=${error} />
  </div>`;
}

function commonProps(def, store, b, field) {
  const placeholder = def.placeholder !== undefined ? textOf(store, def.placeholder, def.id).text : undefined;
  return {
    id: b.id,
    name: def.name ?? def.id,
    placeholder,
    disabled: isDisabled(def, store, field),
    required: def.required === true,
    "aria-required": def.required === true ? "true" : undefined,
    "aria-invalid": b.error ? "true" : undefined,
    "aria-describedby": b.error ? `${b.id}-error` : undefined,
    "aria-label": def.label === undefined ? placeholder || def.name || def.id : undefined,
  };
}

export function TextInput({ def, store, field }) {
  const b = useBinding(def, store, field);
  const value = b.value ?? "";
  const onInput = (e) => b.set(e.currentTarget.value);
  const limits = {
    minlength: Number.isInteger(def.minLength) ? def.minLength : undefined,
    maxlength: Number.isInteger(def.maxLength) ? def.maxLength : undefined,
  };
  if (def.multiline === true) {
    return html`<${Field} def=${def} store=${store} id=${b.id} error=${b.error}>
      <textarea class="inset-input inset-input--multiline" rows="4" value=${value} onInput=${onInput}
        ...${limits} ...${commonProps(def, store, b, field)}></textarea>
    <//>`;
  }
  const type = ["email", "tel", "url", "password"].includes(def.inputType) ? def.inputType : "text";
  return html`<${Field} def=${def} store=${store} id=${b.id} error=${b.error}>
    <input class="inset-input" type=${type} value=${value} onInput=${onInput}
      autocomplete="off" ...${limits} ...${commonProps(def, store, b, field)} />
  <//>`;
}

export function NumberInput({ def, store, field }) {
  const b = useBinding(def, store, field);
  const current = b.value ?? null;
  const onInput = (e) => {
    const raw = e.currentTarget.value;
    const n = raw === "" ? null : e.currentTarget.valueAsNumber;
    const value = Number.isFinite(n) ? n : null;
    if (value === current) return; // e.g. "1." while typing "1.5"
    b.set(value);
  };
  const num = (v) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
  return html`<${Field} def=${def} store=${store} id=${b.id} error=${b.error}>
    <input class="inset-input" type="number" inputmode="decimal"
      value=${current === null ? "" : String(current)} onInput=${onInput}
      min=${num(def.min)} max=${num(def.max)} step=${num(def.step) ?? 1}
      ...${commonProps(def, store, b, field)} />
  <//>`;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function DateInput({ def, store, field }) {
  const b = useBinding(def, store, field);
  const value = typeof b.value === "string" ? b.value : "";
  const date = (v) => (typeof v === "string" && ISO_DATE.test(v) ? v : undefined);
  return html`<${Field} def=${def} store=${store} id=${b.id} error=${b.error}>
    <input class="inset-input inset-input--date" type="date" value=${value}
      min=${date(def.min)} max=${date(def.max)}
      onInput=${(e) => b.set(e.currentTarget.value || null)}
      ...${commonProps(def, store, b, field)} />
  <//>`;
}

/** Options of a select: [{value, label, raw}] from values, {value, label} or rows. */
export function optionsOf(def, store) {
  const r = store.evaluate(def.options);
  if (r.error) return { options: [], error: r.error };
  const list = Array.isArray(r.value) ? r.value : [];
  const labelKey = typeof def.labelKey === "string" ? def.labelKey : null;
  const valueKey = typeof def.valueKey === "string" ? def.valueKey : null;
  const options = list.map((item) => {
    if (item !== null && typeof item === "object" && !Array.isArray(item)) {
      const value = valueKey ? item[valueKey] : "value" in item ? item.value : item[Object.keys(item)[0]];
      const label = labelKey ? item[labelKey] : "label" in item ? item.label : value;
      return { value: value ?? null, label: displayText(label), raw: item };
    }
    return { value: item, label: displayText(item), raw: item };
  });
  return { options, error: null };
}

const same = (a, b) => a === b || (a !== null && b !== null && typeof a !== "object" && String(a) === String(b));

export function Select({ def, store, field }) {
  const b = useBinding(def, store, field);
  const { options, error } = optionsOf(def, store);
  const loading = store.queriesIn(def.options).some((n) => store.queryState(n).value.isLoading);
  const index = options.findIndex((o) => same(o.value, b.value));
  const placeholder = def.placeholder !== undefined ? textOf(store, def.placeholder, def.id).text : "Choose…";
  const onChange = (e) => {
    const i = Number(e.currentTarget.value);
    const option = Number.isInteger(i) && i >= 0 ? options[i] : null;
    b.set(option ? option.value : null, field ? undefined : { selectedOption: option ? option.raw : null });
  };
  const props = commonProps(def, store, b, field);
  delete props.placeholder;
  return html`<${Field} def=${def} store=${store} id=${b.id} error=${b.error || (error ? "The options couldn't be loaded." : null)}>
    <select class="inset-input inset-select" onChange=${onChange} aria-busy=${loading ? "true" : "false"} ...${props}>
      <option value="-1" selected=${index === -1}>${loading && options.length === 0 ? "Loading…" : placeholder}</option>
      ${options.map((o, i) => html`<option key=${i} value=${String(i)} selected=${i === index}>${o.label}</option>`)}
    </select>
  <//>`;
}

export function Multiselect({ def, store, field }) {
  const b = useBinding(def, store, field);
  const { options, error } = optionsOf(def, store);
  const loading = store.queriesIn(def.options).some((n) => store.queryState(n).value.isLoading);
  const chosen = Array.isArray(b.value) ? b.value : [];
  const disabled = isDisabled(def, store, field);
  const label = labelOf(def, store);
  const toggle = (option, on) => {
    const rest = chosen.filter((v) => !same(v, option.value));
    // Keep the options' order in the value.
    const next = on ? options.filter((o) => same(o.value, option.value) || rest.some((v) => same(v, o.value))).map((o) => o.value) : rest;
    b.set(next);
  };
  let body;
  if (error) body = html`<div class="inset-field__error">The options couldn't be loaded.</div>`;
  else if (loading && options.length === 0) body = html`<div class="inset-field__hint" role="status">Loading…</div>`;
  else if (options.length === 0) body = html`<div class="inset-field__hint">No options.</div>`;
  else {
    body = html`<div class="inset-multiselect__list">${options.map((o, i) => {
      const id = `${b.id}-${i}`;
      const on = chosen.some((v) => same(v, o.value));
      return html`<label key=${i} class="inset-check" for=${id}>
        <input type="checkbox" id=${id} checked=${on} disabled=${disabled}
          onChange=${(e) => toggle(o, e.currentTarget.checked)} />
        <span>${o.label}</span>
      </label>`;
    })}</div>`;
  }
  return html`<fieldset class=${`inset-field inset-multiselect${b.error ? " inset-field--invalid" : ""}`} id=${b.id}
    aria-describedby=${b.error ? `${b.id}-error` : undefined}>
    <legend class="inset-field__label">${label || def.name || def.id}<${Required} def=${def} />
      ${chosen.length ? html`<span class="inset-multiselect__count"> (${chosen.length} chosen)</span>` : null}</legend>
    ${body}
    <${FieldError} id=${b.id} error=${b.error} />
  </fieldset>`;
}

function Toggle({ def, store, field, role }) {
  const b = useBinding(def, store, field);
  const label = labelOf(def, store) || def.name || def.id;
  const on = b.value === true;
  return html`<div class=${`inset-field inset-field--inline${b.error ? " inset-field--invalid" : ""}`}>
    <label class=${role === "switch" ? "inset-switch" : "inset-check"} for=${b.id}>
      <input type="checkbox" id=${b.id} role=${role} checked=${on}
        aria-checked=${role === "switch" ? String(on) : undefined}
        disabled=${isDisabled(def, store, field)} onChange=${(e) => b.set(e.currentTarget.checked)} />
      ${role === "switch" ? html`<span class="inset-switch__track" aria-hidden="true"><span class="inset-switch__thumb"></span></span>` : null}
      <span>${label}</span>
    </label>
    <${FieldError} id=${b.id} error=${b.error} />
  </div>`;
}

export const Checkbox = (props) => html`<${Toggle} ...${props} role=${undefined} />`;
export const Switch = (props) => html`<${Toggle} ...${props} role="switch" />`;

export const FIELD_COMPONENTS = {
  text_input: TextInput,
  number_input: NumberInput,
  date_input: DateInput,
  select: Select,
  multiselect: Multiselect,
  checkbox: Checkbox,
  switch: Switch,
};
