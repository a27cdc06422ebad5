// Component registry and the renderer of a component tree.
import { html } from "../html.js";
import { Component as PreactComponent } from "../vendor/preact.module.js";
import { Divider, Heading, Stat, Text, Unknown } from "./basic.js";
import { Button } from "./button.js";
import { NumberInput, TextInput } from "./inputs.js";
import { Table } from "./table.js";
import { ErrorPanel } from "./common.js";

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
  button: Button,
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
