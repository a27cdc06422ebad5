// text_input and number_input: their `value` is component state (e.g. {{ search.value }}).
// Props as in the catalogue: label, placeholder, value (initial), required, disabled, and
// text_input: inputType, multiline, minLength, maxLength; number_input: min, max, step.
import { html } from "../html.js";
import { domId, textOf } from "./common.js";

function Field({ def, store, id, children }) {
  const label = def.label !== undefined ? textOf(store, def.label, def.id).text : "";
  return html`<div class="inset-field">
    ${label ? html`<label class="inset-field__label" for=${id}>${label}${def.required === true
      ? html`<span class="inset-field__required" aria-hidden="true"> *</span>` : null}</label>` : null}
    ${children}
  </div>`;
}

function commonProps(def, store, id) {
  const disabled = def.disabled !== undefined && Boolean(store.evaluate(def.disabled).value);
  const placeholder = def.placeholder !== undefined ? textOf(store, def.placeholder, def.id).text : undefined;
  return {
    id,
    name: def.id,
    placeholder,
    disabled,
    required: def.required === true,
    "aria-label": def.label === undefined ? placeholder || def.id : undefined,
  };
}

function changed(store, def, patch) {
  store.setComponentState(def.id, patch);
  if (Array.isArray(def.on_change)) store.runActions(def.on_change);
}

export function TextInput({ def, store }) {
  const state = store.componentState(def.id);
  const id = domId(def.id);
  const value = state ? state.value.value ?? "" : "";
  const onInput = (e) => state && changed(store, def, { value: e.currentTarget.value });
  const limits = {
    minlength: Number.isInteger(def.minLength) ? def.minLength : undefined,
    maxlength: Number.isInteger(def.maxLength) ? def.maxLength : undefined,
  };
  if (def.multiline === true) {
    return html`<${Field} def=${def} store=${store} id=${id}>
      <textarea class="inset-input inset-input--multiline" rows="4" value=${value} onInput=${onInput}
        ...${limits} ...${commonProps(def, store, id)}></textarea>
    <//>`;
  }
  const type = ["email", "tel", "url", "password"].includes(def.inputType) ? def.inputType : "text";
  return html`<${Field} def=${def} store=${store} id=${id}>
    <input class="inset-input" type=${type} value=${value} onInput=${onInput}
      autocomplete="off" ...${limits} ...${commonProps(def, store, id)} />
  <//>`;
}

export function NumberInput({ def, store }) {
  const state = store.componentState(def.id);
  const id = domId(def.id);
  const current = state ? state.value.value : null;
  const onInput = (e) => {
    if (!state) return;
    const raw = e.currentTarget.value;
    const n = raw === "" ? null : e.currentTarget.valueAsNumber;
    const value = Number.isFinite(n) ? n : null;
    if (value === current) return; // e.g. "1." while typing "1.5"
    changed(store, def, { value });
  };
  const num = (v) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
  return html`<${Field} def=${def} store=${store} id=${id}>
    <input class="inset-input" type="number" inputmode="decimal"
      value=${current === null || current === undefined ? "" : String(current)} onInput=${onInput}
      min=${num(def.min)} max=${num(def.max)} step=${num(def.step) ?? 1}
      ...${commonProps(def, store, id)} />
  <//>`;
}
