// Entry point of the app runtime (what the embedded external user sees).
//
// Boot: the server puts {mode, sessionToken?, sessionId, apiBase, parentOrigin, page} in
// <script type="application/json" id="inset-boot">; we read it once and remove it, so the
// token lives only in memory (api.js closure).
import { render } from "./vendor/preact.module.js";
import { html } from "./html.js";
import { createApi } from "./api.js";
import { createMessenger } from "./messages.js";
import { createStore } from "./state.js";
import { applyTheme } from "./theme.js";
import { App, FatalError, SessionEnded } from "./components/shell.js";

function readBoot() {
  const el = document.getElementById("inset-boot");
  if (!el) return null;
  let boot = null;
  try {
    boot = JSON.parse(el.textContent || "null");
  } catch {
    boot = null;
  }
  el.remove();
  return boot && typeof boot === "object" ? boot : null;
}

function start() {
  const root = document.getElementById("app");
  const boot = readBoot();
  if (!root) return;
  let cleared = false;
  const show = (vnode) => {
    if (!cleared) {
      root.textContent = ""; // the server-rendered loading/no-JS fallback
      cleared = true;
    }
    render(vnode, root);
  };
  if (!boot) {
    show(html`<${FatalError} title="This app couldn't start" message="The page is missing its start-up data. Reload the page you opened it from." />`);
    return;
  }

  const messenger = createMessenger(boot.parentOrigin ?? null);
  let store = null;
  let ended = false;
  let expiryTimer = null;
  messenger.observeHeight();

  function endSession(code) {
    if (ended) return;
    ended = true;
    clearTimeout(expiryTimer);
    messenger.post("inset:session-expired", { reason: code || "session_expired" });
    if (store) {
      store.sessionEnded.value = { code };
      store.dispose();
    } else {
      show(html`<${SessionEnded} />`);
    }
  }

  const api = createApi(boot, { onSessionEnded: (error) => endSession(error.code) });
  delete boot.sessionToken; // from here on only api.js's closure holds it

  function scheduleExpiry(expiresAt) {
    const at = Date.parse(expiresAt);
    if (!Number.isFinite(at)) return;
    const delay = Math.min(Math.max(0, at - Date.now()), 2_000_000_000);
    expiryTimer = setTimeout(() => (Date.now() >= at ? endSession("session_expired") : scheduleExpiry(expiresAt)), delay);
  }

  async function load() {
    let app;
    try {
      app = await api.getApp();
    } catch (err) {
      if (ended) return;
      const message = err && err.message ? err.message : "Something went wrong.";
      show(html`<${FatalError} title="This app couldn't load" message=${message} onRetry=${() => { show(null); load(); }} />`);
      messenger.post("inset:error", { code: err?.code || "load_failed", message });
      return;
    }
    if (ended) return;
    if (app?.app?.name) document.title = app.app.name;
    applyTheme(app?.theme);
    store = createStore({ app, api, messenger });
    const first = [boot.page, app.initialPage].find((name) => store.pages.some((p) => p?.name === name))
      ?? store.pages[0]?.name;
    if (first) store.navigate(first, { initial: true });
    messenger.listen((data) => {
      if (data.type === "inset:theme") applyTheme(data.theme ?? data);
      else store.handleMessage(data);
    });
    if (app?.session?.expiresAt) scheduleExpiry(app.session.expiresAt);
    store.startAutoQueries();
    store.startParentQueries();
    show(html`<${App} store=${store} onRendered=${() => messenger.post("inset:ready", { page: store.currentPage.peek() })} />`);
  }

  load();
}

start();
