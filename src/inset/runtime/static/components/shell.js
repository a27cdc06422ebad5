// The app shell: page tabs, the current page, toasts, the "session ended" panel.
import { html } from "../html.js";
import { ComponentList } from "./index.js";
import { domId } from "./common.js";
import { useEffect, useRef } from "../vendor/hooks.module.js";

function onTabKeyDown(e) {
  const tabs = [...e.currentTarget.parentElement.querySelectorAll('[role="tab"]')];
  const i = tabs.indexOf(e.currentTarget);
  let j = null;
  if (e.key === "ArrowRight") j = (i + 1) % tabs.length;
  else if (e.key === "ArrowLeft") j = (i - 1 + tabs.length) % tabs.length;
  else if (e.key === "Home") j = 0;
  else if (e.key === "End") j = tabs.length - 1;
  if (j === null) return;
  e.preventDefault();
  tabs[j].focus();
  tabs[j].click();
}

function Tabs({ store }) {
  const pages = store.pages;
  if (pages.length < 2) return null;
  const current = store.page.value?.name;
  return html`<nav class="inset-nav" aria-label="Pages">
    <div class="inset-tabs" role="tablist">
      ${pages.map((p) => {
        const selected = p.name === current;
        return html`<button type="button" role="tab" id=${domId(p.name, "tab")} aria-controls="inset-page"
          aria-selected=${selected ? "true" : "false"} tabindex=${selected ? 0 : -1}
          class=${`inset-tab${selected ? " inset-tab--active" : ""}`}
          onClick=${() => store.navigate(p.name)} onKeyDown=${onTabKeyDown}>${p.title || p.name}</button>`;
      })}
    </div>
  </nav>`;
}

function Toasts({ store }) {
  return html`<div class="inset-toasts" role="status" aria-live="polite">
    ${store.toasts.value.map((t) => html`<div key=${t.id} class=${`inset-toast inset-toast--${t.kind}`}>
      <span class="inset-toast__text">${t.text}</span>
      <button type="button" class="inset-toast__close" aria-label="Dismiss" onClick=${() => store.dismiss(t.id)}>×</button>
    </div>`)}
  </div>`;
}

export function SessionEnded() {
  return html`<div class="inset-center">
    <div class="inset-panel" role="alert">
      <h1 class="inset-panel__title">Your session has ended</h1>
      <p class="inset-panel__text">For your security, this app was signed out. Reload the page you opened it from to continue.</p>
    </div>
  </div>`;
}

export function FatalError({ title, message, onRetry }) {
  return html`<div class="inset-center">
    <div class="inset-panel inset-panel--error" role="alert">
      <h1 class="inset-panel__title">${title}</h1>
      ${message ? html`<p class="inset-panel__text">${message}</p>` : null}
      ${onRetry ? html`<button type="button" class="inset-btn inset-btn--primary" onClick=${onRetry}>Try again</button>` : null}
    </div>
  </div>`;
}

export function App({ store, onRendered }) {
  const page = store.page.value;
  const rendered = useRef(false);
  useEffect(() => {
    if (!rendered.current) {
      rendered.current = true;
      onRendered?.();
    }
  }, []);
  if (store.sessionEnded.value) return html`<${SessionEnded} />`;
  const multi = store.pages.length > 1;
  return html`<div class="inset-app">
    <${Tabs} store=${store} />
    <main id="inset-page" class="inset-page" role=${multi ? "tabpanel" : undefined}
      aria-labelledby=${multi && page ? domId(page.name, "tab") : undefined}>
      ${page
        ? html`<${ComponentList} key=${page.name} components=${page.components} store=${store} />`
        : html`<div class="inset-state inset-state--empty">This app has no pages yet.</div>`}
    </main>
    <${Toasts} store=${store} />
  </div>`;
}
