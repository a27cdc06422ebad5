// The inset dev page: "Preview as" a chosen user, an iframe with the app's latest draft,
// reloaded by itself when the files change; the errors in place of the app when they fail.
// Preact + htm from the runtime's vendored modules; no inline script (strict CSP).
import { render } from "/static/vendor/preact.module.js";
import { useEffect, useRef, useState } from "/static/vendor/hooks.module.js";
import { html } from "/static/html.js";

const POLL_MS = 500;
const STORAGE_KEY = "inset-dev-identity";

function loadIdentity() {
  try {
    const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) || "null");
    return saved && typeof saved === "object" ? saved : null;
  } catch {
    return null;
  }
}

function saveIdentity(identity) {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(identity));
  } catch {
    // private mode: the identity then lasts for this page only
  }
}

async function api(path, body) {
  const init = body
    ? { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) }
    : { cache: "no-store" };
  const response = await fetch(path, init);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = (data && data.error) || {};
    throw new Error(error.message || `HTTP ${response.status}`);
  }
  return data;
}

function metadataProblem(text) {
  if (!text.trim()) return null;
  try {
    const value = JSON.parse(text);
    return value && typeof value === "object" && !Array.isArray(value)
      ? null
      : "Metadata must be a JSON object, e.g. {\"supplierId\": 1}";
  } catch (error) {
    return `Metadata is not valid JSON: ${error.message}`;
  }
}

function clock(date) {
  return date.toTimeString().slice(0, 8);
}

function identityFrom(state) {
  const saved = loadIdentity();
  if (saved) return saved;
  const first = state.drafts[0];
  const given = state.identity || {};
  return {
    app: first ? first.slug : "",
    externalIdentifier: given.externalIdentifier || "dev-user",
    email: "",
    firstName: "",
    lastName: "",
    groups: given.groups && given.groups.length ? given.groups : first ? first.groups : [],
    metadata: JSON.stringify(given.metadata || {}, null, 2),
    page: "",
  };
}

function Issues({ title, issues, kind, onRetry }) {
  if (!issues.length) return null;
  return html`<section class=${`dev-issues dev-issues--${kind}`} aria-live="polite">
    <h2>${title}</h2>
    ${onRetry
      ? html`<button type="button" class="dev-retry" onClick=${onRetry}
          title="After creating a missing group or resource">Check again</button>`
      : null}
    <ul>
      ${issues.map(
        (issue) => html`<li>
          <code class="dev-issue__where">${issue.file}:${issue.line}</code>
          <span class="dev-issue__text">: ${issue.message}</span>
          ${issue.hint ? html`<div class="dev-issue__hint">hint: ${issue.hint}</div>` : null}
        </li>`,
      )}
    </ul>
  </section>`;
}

function IdentityForm({ state, identity, onChange, onSubmit, busy, error }) {
  const draft = state.drafts.find((d) => d.slug === identity.app) || state.drafts[0];
  const groups = Array.from(new Set([...state.groups, ...identity.groups])).sort();
  const problem = metadataProblem(identity.metadata);
  const set = (key) => (event) => onChange({ ...identity, [key]: event.currentTarget.value });
  const toggle = (name) => (event) => {
    const chosen = new Set(identity.groups);
    if (event.currentTarget.checked) chosen.add(name);
    else chosen.delete(name);
    onChange({ ...identity, groups: [...chosen].sort() });
  };
  const submit = (event) => {
    event.preventDefault();
    if (!problem) onSubmit();
  };
  return html`<form class="dev-form" onSubmit=${submit} aria-label="Preview as">
    <h2>Preview as</h2>
    ${state.drafts.length > 1
      ? html`<label>App
          <select name="app" value=${identity.app} onChange=${set("app")}>
            ${state.drafts.map((d) => html`<option value=${d.slug}>${d.name}</option>`)}
          </select>
        </label>`
      : null}
    <label>External identifier
      <input name="externalIdentifier" required value=${identity.externalIdentifier}
        onInput=${set("externalIdentifier")} />
    </label>
    <label>Email <input name="email" type="email" value=${identity.email} onInput=${set("email")} /></label>
    <div class="dev-form__row">
      <label>First name <input name="firstName" value=${identity.firstName} onInput=${set("firstName")} /></label>
      <label>Last name <input name="lastName" value=${identity.lastName} onInput=${set("lastName")} /></label>
    </div>
    <fieldset>
      <legend>Groups</legend>
      ${groups.length
        ? groups.map(
            (name) => html`<label class="dev-check">
              <input type="checkbox" name="group" value=${name}
                checked=${identity.groups.includes(name)} onChange=${toggle(name)} />
              ${name}${draft && draft.groups.includes(name) ? html` <small>(app access)</small>` : null}
            </label>`,
          )
        : html`<p class="dev-muted">No groups yet: inset groups create NAME</p>`}
    </fieldset>
    <label>Metadata (JSON)
      <textarea name="metadata" rows="4" spellcheck="false" aria-invalid=${problem ? "true" : "false"}
        value=${identity.metadata} onInput=${set("metadata")}></textarea>
    </label>
    ${problem ? html`<p class="dev-error" role="alert">${problem}</p>` : null}
    <label>Page
      <select name="page" value=${identity.page} onChange=${set("page")}>
        <option value="">(first page)</option>
        ${(draft ? draft.pages : []).map((p) => html`<option value=${p.name}>${p.title}</option>`)}
      </select>
    </label>
    <button type="submit" disabled=${busy || Boolean(problem) || !draft}>Preview</button>
    ${error ? html`<p class="dev-error" role="alert">${error}</p>` : null}
  </form>`;
}

function DevPage() {
  const [state, setState] = useState(null);
  const [identity, setIdentity] = useState(null);
  const [shown, setShown] = useState(null); // {url, releaseId, version, at}
  const [error, setError] = useState(null);
  const [offline, setOffline] = useState(false);
  const [busy, setBusy] = useState(false);
  const attempted = useRef(""); // what the last automatic preview tried, to try it once
  const latest = useRef(0); // only the newest preview request may change the iframe

  useEffect(() => {
    let timer = 0;
    let live = true;
    const poll = async () => {
      try {
        const next = await api("/dev/api/state");
        if (!live) return;
        setState(next);
        setOffline(false);
        setIdentity((current) => current || identityFrom(next));
      } catch {
        if (live) setOffline(true);
      }
      if (live) timer = setTimeout(poll, POLL_MS);
    };
    poll();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, []);

  const preview = async (who) => {
    const ticket = ++latest.current;
    setBusy(true);
    try {
      const minted = await api("/dev/api/preview", {
        app: who.app,
        externalIdentifier: who.externalIdentifier,
        email: who.email || null,
        firstName: who.firstName || null,
        lastName: who.lastName || null,
        groups: who.groups,
        metadata: who.metadata.trim() ? JSON.parse(who.metadata) : {},
        page: who.page || null,
      });
      if (ticket !== latest.current) return;
      setShown({ ...minted, at: new Date() });
      setError(null);
    } catch (failure) {
      if (ticket === latest.current) setError(failure.message);
    } finally {
      if (ticket === latest.current) setBusy(false);
    }
  };

  // A new draft of the chosen app: show it, as the same user, without a click.
  const draft = state && identity && state.drafts.find((d) => d.slug === identity.app);
  useEffect(() => {
    // A saved identity from another folder: preview this folder's first app instead.
    if (state && identity && !draft && state.drafts.length) {
      setIdentity({ ...identity, app: state.drafts[0].slug });
    }
  }, [state, identity && identity.app]);
  useEffect(() => {
    if (!state || !state.ok || !draft || !identity || metadataProblem(identity.metadata)) return;
    if (shown && shown.releaseId === draft.releaseId) return;
    const key = `${draft.releaseId}|${JSON.stringify(identity)}`;
    if (attempted.current === key) return;
    attempted.current = key;
    preview(identity);
  }, [state, draft && draft.releaseId]);

  const recheck = async () => {
    try {
      setState({ ...state, ...(await api("/dev/api/reload", {})) });
    } catch (failure) {
      setError(failure.message);
    }
  };

  if (!state || !identity) return html`<p class="dev-loading">Loading…</p>`;
  const change = (next) => {
    setIdentity(next);
    saveIdentity(next);
  };
  const stale = !state.ok;
  return html`<div class="dev">
    <header class="dev-header">
      <h1>inset dev</h1>
      <span class="dev-root">${state.root}</span>
      <span class="dev-status" role="status">
        ${offline
          ? "The dev server is not answering"
          : stale
            ? `${state.errors.length} error${state.errors.length === 1 ? "" : "s"}`
            : shown
              ? `${shown.version} · Reloaded at ${clock(shown.at)}`
              : "Ready"}
      </span>
    </header>
    <div class="dev-body">
      <${IdentityForm} state=${state} identity=${identity} onChange=${change}
        onSubmit=${() => preview(identity)} busy=${busy} error=${error} />
      <main class="dev-main">
        <${Issues} title="The files have errors; the last good draft is shown below"
          issues=${state.errors} kind="error" onRetry=${recheck} />
        <${Issues} title="Warnings" issues=${state.warnings} kind="warning" />
        ${shown
          ? html`<div class=${stale ? "dev-frame dev-frame--stale" : "dev-frame"}>
              ${stale ? html`<p class="dev-muted">Last good draft: ${shown.version}</p>` : null}
              <iframe id="dev-preview" title="App preview" src=${shown.url}
                inert=${stale ? true : undefined}></iframe>
            </div>`
          : html`<p class="dev-muted">
              ${stale ? "No draft yet: fix the errors above." : "Choose who to preview as."}
            </p>`}
      </main>
    </div>
  </div>`;
}

render(html`<${DevPage} />`, document.getElementById("dev"));
