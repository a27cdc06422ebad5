// button: runs its on_click actions; busy while they run.
import { html } from "../html.js";
import { useSignal } from "../vendor/signals.module.js";
import { textOf } from "./common.js";

export function Button({ def, store }) {
  const busy = useSignal(false);
  const label = textOf(store, def.label ?? def.text ?? "Button", def.id).text;
  const disabled = def.disabled !== undefined && Boolean(store.evaluate(def.disabled).value);
  // A button that only runs queries (e.g. Refresh) is also busy while they run, however
  // they were started (an auto query re-running after an input changed).
  const actions = Array.isArray(def.on_click) ? def.on_click : [];
  const onlyRuns = actions.length > 0 && actions.every((a) => a && typeof a.run === "string");
  const running = busy.value || (onlyRuns && actions.some((a) => store.queryState(a.run)?.value.isLoading));
  const onClick = async () => {
    if (busy.value) return;
    if (typeof def.confirm === "string" && def.confirm) {
      const question = textOf(store, def.confirm, def.id).text;
      // window.confirm is blocked in sandboxed iframes without allow-modals: then don't run.
      let ok = false;
      try {
        ok = window.confirm(question);
      } catch {
        ok = false;
      }
      if (!ok) return;
    }
    busy.value = true;
    try {
      await store.runActions(def.on_click);
    } finally {
      busy.value = false;
    }
  };
  const variant = ["primary", "secondary", "danger"].includes(def.variant) ? def.variant : "primary";
  return html`<div class="inset-button-row">
    <button type="button" class=${`inset-btn inset-btn--${variant}`} onClick=${onClick}
      disabled=${disabled} aria-busy=${running ? "true" : "false"}>
      ${running ? html`<span class="inset-spinner inset-spinner--small" aria-hidden="true"></span>` : null}
      <span>${label}</span>
    </button>
  </div>`;
}
