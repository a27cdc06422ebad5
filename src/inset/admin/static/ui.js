// Shared widgets of the admin UI. Every page uses these rather than its own variants:
// Page, DataTable, Field, Button, ErrorBanner, Toaster/notify, CopyButton, Modal, Confirm,
// Loading, Badge, plus formatting helpers. Styles live in admin.css (no inline styles: the
// CSP forbids them).
import { cloneElement } from "/static/vendor/preact.module.js";
import { useEffect, useRef, useState } from "/static/vendor/hooks.module.js";
import { signal } from "/static/vendor/signals.module.js";
import { html } from "./html.js";

// ---- formatting --------------------------------------------------------------------------

/** A timestamp (ISO string) as local date and time; "—" when missing. */
export function formatDate(value) {
  if (!value) return "—";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** A plain-language description of an error for people (ApiError or anything else). */
export function errorMessage(error) {
  if (!error) return "";
  return error.message || String(error);
}

// ---- layout ------------------------------------------------------------------------------

/** A page: its title (the page's h1, focused after navigation from the nav, so screen
 * readers announce the new page), actions, and content. */
export function Page({ title, actions, children }) {
  const heading = useRef(null);
  useEffect(() => {
    const active = document.activeElement;
    const fromNav = !active || active === document.body || (active.closest && active.closest("nav"));
    if (heading.current && fromNav) heading.current.focus();
  }, []);
  useEffect(() => {
    document.title = `${title} · Inset admin`;
  }, [title]);
  return html`<section class="page" aria-labelledby="page-title">
    <header class="page-header">
      <h1 id="page-title" tabindex="-1" ref=${heading}>${title}</h1>
      ${actions ? html`<div class="page-actions">${actions}</div>` : null}
    </header>
    ${children}
  </section>`;
}

/** A block with a heading inside a page. */
export function Panel({ title, children, actions }) {
  return html`<section class="panel">
    ${title || actions
      ? html`<div class="panel-header">
          ${title ? html`<h2>${title}</h2>` : null}
          ${actions ? html`<div class="panel-actions">${actions}</div>` : null}
        </div>`
      : null}
    ${children}
  </section>`;
}

export function Loading({ label = "Loading…" }) {
  return html`<p class="loading" role="status" aria-live="polite">
    <span class="spinner" aria-hidden="true"></span>${label}
  </p>`;
}

export function Badge({ tone = "neutral", children }) {
  return html`<span class=${`badge badge-${tone}`}>${children}</span>`;
}

/** An error as a banner (role=alert); nothing when there is none. */
export function ErrorBanner({ error, onRetry }) {
  if (!error) return null;
  return html`<div class="error-banner" role="alert">
    <p>${errorMessage(error)}</p>
    ${onRetry ? html`<${Button} onClick=${onRetry}>Try again<//>` : null}
  </div>`;
}

// ---- controls ----------------------------------------------------------------------------

/** A button; `variant` (or `kind`) is primary, secondary (default), danger or link. */
export function Button({ variant, kind, type = "button", busy, disabled, children, ...rest }) {
  return html`<button
    type=${type}
    class=${`btn btn-${variant || kind || "secondary"}`}
    disabled=${disabled || busy}
    aria-busy=${busy ? "true" : undefined}
    ...${rest}
  >
    ${children}
  </button>`;
}

let fieldIds = 0;

/** A labelled form control. `children` is either one control element (it gets the label's
 * id, unless it has its own, and the aria attributes) or a function receiving
 * {id, "aria-describedby", "aria-invalid"} to spread on the control. */
export function Field({ label, error, hint, id, children }) {
  const [autoId] = useState(() => `field-${++fieldIds}`);
  const single = Array.isArray(children) && children.length === 1 ? children[0] : children;
  const element = single && typeof single === "object" && single.props ? single : null;
  const ownId = id || (element && element.props.id) || autoId;
  const errorId = `${ownId}-error`;
  const hintId = `${ownId}-hint`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(" ");
  const aria = {
    id: ownId,
    "aria-describedby": describedBy || undefined,
    "aria-invalid": error ? "true" : undefined,
  };
  let control = children;
  if (typeof children === "function") control = children(aria);
  else if (element) control = cloneElement(element, aria);
  return html`<div class=${error ? "field field-invalid" : "field"}>
    <label for=${ownId}>${label}</label>
    ${control}
    ${hint ? html`<p class="field-hint" id=${hintId}>${hint}</p>` : null}
    ${error ? html`<p class="field-error" id=${errorId}>${error}</p>` : null}
  </div>`;
}

/** The message of `error` if it names `field` (ApiError.field), else null. */
export function fieldError(error, field) {
  return error && error.field === field ? error.message : null;
}

/** Copy `text` to the clipboard, with a visible and announced confirmation. */
export function CopyButton({ text, label = "Copy" }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      fallbackCopy(text);
    }
    setCopied(true);
    notify("Copied to the clipboard.");
    setTimeout(() => setCopied(false), 2000);
  };
  return html`<${Button} onClick=${copy} aria-label=${`${label} to the clipboard`}>
    ${copied ? "Copied" : label}
  <//>`;
}

function fallbackCopy(text) {
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.className = "offscreen";
  document.body.appendChild(area);
  area.select();
  document.execCommand("copy");
  area.remove();
}

// ---- tables ------------------------------------------------------------------------------

/** A table. columns: [{key, label, render?(row), className?}]; rows: objects (with `id`
 * or pass rowKey). With onRowClick, rows are focusable and open with Enter or Space. */
export function DataTable({ columns, rows, empty = "Nothing here yet.", onRowClick, rowKey, caption }) {
  if (!rows || rows.length === 0) return html`<p class="empty">${empty}</p>`;
  const keyOf = rowKey || ((row, index) => row.id ?? index);
  const onKey = (event, row) => {
    if (event.target !== event.currentTarget) return;
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      onRowClick(row);
    }
  };
  return html`<div class="table-wrap">
    <table class="data-table">
      ${caption ? html`<caption>${caption}</caption>` : null}
      <thead>
        <tr>${columns.map((c) => html`<th scope="col" class=${c.className || ""}>${c.label}</th>`)}</tr>
      </thead>
      <tbody>
        ${rows.map(
          (row, index) => html`<tr
            key=${keyOf(row, index)}
            class=${onRowClick ? "clickable" : ""}
            tabindex=${onRowClick ? 0 : undefined}
            onClick=${onRowClick ? () => onRowClick(row) : undefined}
            onKeyDown=${onRowClick ? (e) => onKey(e, row) : undefined}
          >
            ${columns.map(
              (c) => html`<td class=${c.className || ""} data-label=${c.label}>
                ${c.render ? c.render(row) : row[c.key] ?? "—"}
              </td>`,
            )}
          </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

// ---- dialogs -----------------------------------------------------------------------------

let modalIds = 0;

/** A modal dialog (native <dialog>: focus stays inside, Escape closes). Render it with
 * `open` (default true: rendering it conditionally works too); `onClose` on Escape. */
export function Modal({ open = true, title, onClose, children, actions, wide }) {
  const ref = useRef(null);
  const opener = useRef(null);
  const [titleId] = useState(() => `modal-title-${++modalIds}`);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      opener.current = document.activeElement;
      dialog.showModal();
    } else if (!open && dialog.open) {
      dialog.close();
      if (opener.current && opener.current.focus) opener.current.focus();
    }
  }, [open]);
  // Rendered conditionally: give the focus back to the opener when it goes away.
  useEffect(() => () => opener.current && opener.current.focus && opener.current.focus(), []);
  const cancel = (event) => {
    event.preventDefault();
    if (onClose) onClose();
  };
  return html`<dialog
    ref=${ref}
    class=${wide ? "modal modal-wide" : "modal"}
    aria-labelledby=${titleId}
    onCancel=${cancel}
  >
    ${open
      ? html`<div class="modal-body">
          <h2 id=${titleId}>${title}</h2>
          ${children}
          ${actions ? html`<div class="modal-actions">${actions}</div>` : null}
        </div>`
      : null}
  </dialog>`;
}

/** A confirmation dialog: `onConfirm` may be async; its error is shown in the dialog. */
export function Confirm({ open, title, message, confirmLabel = "Confirm", danger = true, onConfirm, onClose }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  useEffect(() => {
    if (open) setError(null);
  }, [open]);
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      onClose();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return html`<${Modal}
    open=${open}
    title=${title}
    onClose=${onClose}
    actions=${html`
      <${Button} onClick=${onClose}>Cancel<//>
      <${Button} variant=${danger ? "danger" : "primary"} busy=${busy} onClick=${confirm}>${confirmLabel}<//>
    `}
  >
    <p>${message}</p>
    <${ErrorBanner} error=${error} />
  <//>`;
}

// ---- toasts ------------------------------------------------------------------------------

const toasts = signal([]);
let toastIds = 0;

/** Show a short message at the bottom of the screen (announced to screen readers). */
export function notify(message, tone = "ok") {
  const id = ++toastIds;
  toasts.value = [...toasts.value, { id, message, tone }];
  setTimeout(() => {
    toasts.value = toasts.value.filter((t) => t.id !== id);
  }, 4000);
}

/** Where notify() messages appear; the shell renders one. */
export function Toaster() {
  return html`<div class="toaster" role="status" aria-live="polite">
    ${toasts.value.map((t) => html`<p key=${t.id} class=${`toast toast-${t.tone}`}>${t.message}</p>`)}
  </div>`;
}

export const Toast = Toaster;

// ---- data loading ------------------------------------------------------------------------

/** A form's submit handler running `action()` (async) with busy and error state:
 * {onSubmit, busy, error}. What `action` throws is shown as the form's error. */
export function useSubmit(action) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const onSubmit = async (event) => {
    if (event) event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return { onSubmit, busy, error };
}

/** A useLoad() state as a view: Loading, the error with a retry button, or
 * `children(data)` (one function child). */
export function Loaded({ state, children }) {
  if (state.loading) return html`<${Loading} />`;
  if (state.error) return html`<${ErrorBanner} error=${state.error} onRetry=${state.reload} />`;
  const render = Array.isArray(children) ? children.find((c) => typeof c === "function") : children;
  return render(state.data);
}

/** Run `load` (async) now and whenever `deps` change: {data, error, loading, reload}. */
export function useLoad(load, deps = []) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    load().then(
      (data) => live && setState({ data, error: null, loading: false }),
      (error) => live && setState({ data: null, error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}
