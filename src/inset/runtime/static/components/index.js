// Component registry and the renderer of a component tree.
import { html } from "../html.js";
import { Component as PreactComponent } from "../vendor/preact.module.js";
import { Divider, Heading, Image, Stat, Text, Unknown } from "./basic.js";
import { Button } from "./button.js";
import { Checkbox, DateInput, Multiselect, NumberInput, Select, Switch, TextInput } from "./inputs.js";
import { signal } from "../vendor/signals-core.module.js";
import { Table } from "./table.js";
import { ErrorPanel, Loading } from "./common.js";

// Components that few pages use are fetched the first time one renders (dynamic import),
// which keeps them out of the JS loaded before the first data. Chart.js itself is a
// further dynamic import inside chart.js.
const LAZY = {
  form: () => import("./form.js").then((m) => m.Form),
  file_upload: () => import("./upload.js").then((m) => m.FileUpload),
  chart: () => import("./chart.js").then((m) => m.ChartView),
  tabs: () => import("./layout.js").then((m) => m.Tabs),
  modal: () => import("./layout.js").then((m) => m.Modal),
};
const QUIET = new Set(["modal"]); // a closed modal shows nothing, so no spinner either
const lazyState = new Map(); // type -> Signal<{impl, error}>

/** Start (or retry) fetching a lazy component type; its signal says when it's there. */
function loadLazy(type) {
  let s = lazyState.get(type);
  if (!s) {
    s = signal({ impl: null, error: null });
    lazyState.set(type, s);
  } else if (s.peek().impl) {
    return s;
  } else {
    s.value = { impl: null, error: null }; // a retry after an error
  }
  LAZY[type]().then((impl) => { s.value = { impl, error: null }; }, (error) => { s.value = { impl: null, error }; });
  return s;
}

function Lazy({ def, store }) {
  const s = (lazyState.get(def.type) ?? loadLazy(def.type)).value;
  if (s.impl) return html`<${s.impl} def=${def} store=${store} />`;
  if (s.error) {
    return html`<${ErrorPanel} title="This part of the app couldn't load" message="Check your connection and try again."
      onRetry=${() => loadLazy(def.type)} />`;
  }
  return QUIET.has(def.type) ? null : html`<${Loading} compact />`;
}

function Container({ def, store }) {
  const children = Array.isArray(def.children) ? def.children : Array.isArray(def.components) ? def.components : [];
  const row = def.direction === "row";
  const title = typeof def.title === "string" ? def.title : null;
  // A titled container is a card; an untitled one only lays out its children.
  return html`<section class=${`inset-container${row ? " inset-container--row" : ""}${title ? " inset-container--card" : ""}`}>
    ${title ? html`<h3 class="inset-container__title">${title}</h3>` : null}
    <${ComponentList} components=${children} store=${store} />
  </section>`;
}

export const REGISTRY = {
  heading: Heading,
  text: Text,
  stat: Stat,
  table: Table,
  text_input: TextInput,
  number_input: NumberInput,
  date_input: DateInput,
  select: Select,
  multiselect: Multiselect,
  checkbox: Checkbox,
  switch: Switch,
  form: Lazy,
  file_upload: Lazy,
  button: Button,
  chart: Lazy,
  image: Image,
  tabs: Lazy,
  modal: Lazy,
  divider: Divider,
  container: Container,
};

/** Contains a crash in one component to that component. */
class Boundary extends PreactComponent {
  constructor() {
    super();
    this.state = { error: null };
  }
  componentDidCatch(error) {
    console.error("inset: component failed", this.props.def?.id, error);
    this.setState({ error });
  }
  render({ children }, { error }) {
    if (error) return html`<${ErrorPanel} title="This part of the app couldn't be shown" message="" />`;
    return children;
  }
}

function Node({ def, store }) {
  if (def.visible !== undefined) {
    const { value, error } = store.evaluate(def.visible);
    if (!error && (value === false || value === "false" || value === null || value === 0)) return null;
  }
  const Impl = REGISTRY[def.type] || Unknown;
  return html`<div class=${`inset-c inset-c--${String(def.type).replace(/[^a-z0-9_-]/gi, "")}`} data-component=${def.id}>
    <${Boundary} def=${def}><${Impl} def=${def} store=${store} /><//>
  </div>`;
}

export function ComponentList({ components, store }) {
  const list = Array.isArray(components) ? components : [];
  return list.map((def, i) => def && typeof def === "object"
    ? html`<${Node} key=${def.id ?? `#${i}`} def=${def} store=${store} />`
    : null);
}
