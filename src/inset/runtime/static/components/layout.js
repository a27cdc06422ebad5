// tabs (ARIA tabs: arrows, Home/End move and activate) and modal (open_modal/close_modal
// actions; aria-modal dialog, focus trapped inside, Esc and the backdrop close it, focus
// returns to where it was).
import { html } from "../html.js";
import { useEffect, useRef } from "../vendor/hooks.module.js";
import { domId, textOf } from "./common.js";
import { ComponentList } from "./index.js";

// A cycle with index.js, fine for ES modules: ComponentList is only used at render time.
function Children({ components, store }) {
  return html`<${ComponentList} components=${components} store=${store} />`;
}

export function Tabs({ def, store }) {
  const tabs = (Array.isArray(def.tabs) ? def.tabs : []).filter((t) => t && typeof t === "object");
  const state = store.componentState(def.id);
  const initial = Number.isInteger(def.value) ? def.value : 0;
  const raw = state && Number.isInteger(state.value.value) ? state.value.value : initial;
  const current = Math.min(Math.max(0, raw), Math.max(0, tabs.length - 1));
  const base = domId(def.id ?? "tabs");
  const choose = (i) => {
    if (i === current) return;
    if (state) store.setComponentState(def.id, { value: i });
    if (Array.isArray(def.on_change)) store.runActions(def.on_change);
  };
  const onKeyDown = (e) => {
    let j = null;
    if (e.key === "ArrowRight") j = (current + 1) % tabs.length;
    else if (e.key === "ArrowLeft") j = (current - 1 + tabs.length) % tabs.length;
    else if (e.key === "Home") j = 0;
    else if (e.key === "End") j = tabs.length - 1;
    if (j === null) return;
    e.preventDefault();
    choose(j);
    const list = e.currentTarget.parentElement;
    requestAnimationFrame(() => list?.querySelectorAll('[role="tab"]')[j]?.focus());
  };
  if (tabs.length === 0) return html`<div class="inset-state inset-state--empty">No tabs.</div>`;
  const tab = tabs[current];
  return html`<div class="inset-ctabs">
    <div class="inset-tabs inset-ctabs__list" role="tablist" aria-label=${def.id}>
      ${tabs.map((t, i) => html`<button type="button" role="tab" key=${i} id=${`${base}-tab-${i}`}
        aria-controls=${`${base}-panel`} aria-selected=${i === current ? "true" : "false"}
        tabindex=${i === current ? 0 : -1} class=${`inset-tab${i === current ? " inset-tab--active" : ""}`}
        onClick=${() => choose(i)} onKeyDown=${onKeyDown}>${textOf(store, t.title ?? `Tab ${i + 1}`, def.id).text}</button>`)}
    </div>
    <div class="inset-ctabs__panel" role="tabpanel" id=${`${base}-panel`} aria-labelledby=${`${base}-tab-${current}`} tabindex="0">
      <${Children} key=${current} components=${tab.children} store=${store} />
    </div>
  </div>`;
}

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

export function Modal({ def, store }) {
  const state = store.componentState(def.id);
  const open = Boolean(state?.value.isOpen);
  const dialog = useRef(null);
  const returnTo = useRef(null);
  const base = domId(def.id ?? "modal");
  const close = () => {
    if (!state || !state.peek().isOpen) return;
    store.setComponentState(def.id, { isOpen: false });
  };

  useEffect(() => {
    if (!open) return undefined;
    returnTo.current = document.activeElement;
    const el = dialog.current;
    const first = el?.querySelector(FOCUSABLE);
    (first || el)?.focus();
    return () => {
      const back = returnTo.current;
      returnTo.current = null;
      if (back && typeof back.focus === "function" && document.contains(back)) back.focus();
      if (Array.isArray(def.on_close)) store.runActions(def.on_close);
    };
  }, [open]);

  if (!open) return null;
  const onKeyDown = (e) => {
    if (e.key === "Escape") {
      e.stopPropagation();
      close();
      return;
    }
    if (e.key !== "Tab") return;
    const items = [...dialog.current.querySelectorAll(FOCUSABLE)].filter((n) => n.offsetParent !== null);
    if (items.length === 0) {
      e.preventDefault();
      return;
    }
    const first = items[0];
    const last = items[items.length - 1];
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  };
  const title = def.title !== undefined ? textOf(store, def.title, def.id).text : "";
  return html`<div class="inset-modal" onKeyDown=${onKeyDown}>
    <div class="inset-modal__backdrop" onClick=${close} aria-hidden="true"></div>
    <div class="inset-modal__dialog" role="dialog" aria-modal="true" ref=${dialog} tabindex="-1"
      aria-labelledby=${title ? `${base}-title` : undefined} aria-label=${title ? undefined : def.id}>
      <div class="inset-modal__header">
        ${title ? html`<h2 class="inset-modal__title" id=${`${base}-title`}>${title}</h2>` : html`<span></span>`}
        <button type="button" class="inset-modal__close" aria-label="Close" onClick=${close}>×</button>
      </div>
      <div class="inset-modal__body"><${Children} components=${def.children} store=${store} /></div>
    </div>
  </div>`;
}
