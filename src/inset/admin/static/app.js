// Entry point of the admin web UI (served at /admin; HTML shell from inset.admin.ui_routes).
//
// Routing: the History API. Every page lives at /admin/<route>[/<rest>] (the server answers
// the same shell for any /admin/* path, so deep links and reloads work). The route picks a
// module pages/<name>.js, loaded on first visit, whose default export is the page
// component. It receives props {rest, query, navigate, user}: `rest` is the path after
// /admin/<route>/ ("" when none), `query` a URLSearchParams, `navigate(href)` moves to
// another /admin URL. Plain <a href="/admin/…"> links are intercepted (no full reload).
//
// Session: GET /admin/api/me on start; signed out, the sign-in view (or, before any admin
// exists, "Create the first administrator"). Any API 401 later (idle timeout, revoked
// session) shows the sign-in view with a notice, then returns to the same page.
import { render } from "/static/vendor/preact.module.js";
import { useEffect, useState } from "/static/vendor/hooks.module.js";
import { html } from "./html.js";
import { api, onSessionEnded, setCsrfToken } from "./api.js";
import { Button, ErrorBanner, Field, Loading, Toaster, fieldError, notify, useSubmit } from "./ui.js";

/** The navigation, in this order; `route` is the first path segment after /admin/. */
export const PAGES = [
  { route: "", module: "overview", label: "Overview" },
  { route: "apps", module: "apps", label: "Apps" },
  { route: "groups", module: "groups", label: "Groups" },
  { route: "users", module: "users", label: "External users" },
  { route: "tokens", module: "tokens", label: "Access tokens" },
  { route: "resources", module: "resources", label: "Resources" },
  { route: "audit", module: "audit", label: "Audit log" },
  { route: "playground", module: "playground", label: "Embed playground" },
];

const BASE = "/admin";

function parseLocation() {
  const path = window.location.pathname.replace(/\/+$/, "");
  const inner = path.startsWith(BASE) ? path.slice(BASE.length).replace(/^\//, "") : "";
  const [route = "", ...rest] = inner.split("/");
  return {
    route: decodeURIComponent(route),
    rest: rest.map(decodeURIComponent).join("/"),
    query: new URLSearchParams(window.location.search),
  };
}

let setLocationState = () => {};

export function navigate(href, { replace = false } = {}) {
  if (replace) window.history.replaceState(null, "", href);
  else window.history.pushState(null, "", href);
  setLocationState(parseLocation());
  window.scrollTo(0, 0);
}

function isAdminLink(event) {
  if (event.defaultPrevented || event.button !== 0) return null;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return null;
  const anchor = event.target.closest && event.target.closest("a[href]");
  if (!anchor || anchor.target || anchor.hasAttribute("download")) return null;
  const url = new URL(anchor.href, window.location.href);
  if (url.origin !== window.location.origin) return null;
  if (url.pathname !== BASE && !url.pathname.startsWith(`${BASE}/`)) return null;
  if (url.pathname.startsWith(`${BASE}/static/`) || url.pathname.startsWith(`${BASE}/api/`)) return null;
  return url;
}

// ---- pages -------------------------------------------------------------------------------

const modules = new Map();

function loadPage(name) {
  if (!modules.has(name)) modules.set(name, import(`./pages/${name}.js`));
  return modules.get(name);
}

function PageHost({ page, location, user }) {
  const [loaded, setLoaded] = useState({ name: null, component: null, error: null });
  useEffect(() => {
    let live = true;
    loadPage(page.module).then(
      (mod) => live && setLoaded({ name: page.module, component: mod.default, error: null }),
      (error) => live && setLoaded({ name: page.module, component: null, error }),
    );
    return () => {
      live = false;
    };
  }, [page.module]);
  if (loaded.name !== page.module) return html`<${Loading} />`;
  if (loaded.error || !loaded.component) {
    return html`<${ErrorBanner} error=${{ message: `This page could not be loaded (${loaded.error}).` }} />`;
  }
  const Component = loaded.component;
  return html`<${Component} rest=${location.rest} query=${location.query} navigate=${navigate} user=${user} />`;
}

function NotFoundPage() {
  return html`<section class="page"><h1>Page not found</h1><p><a href="/admin">Go to the overview</a></p></section>`;
}

// ---- the signed-in shell -----------------------------------------------------------------

function Nav({ current }) {
  return html`<nav class="nav" aria-label="Admin">
    <ul>
      ${PAGES.map(
        (p) => html`<li key=${p.module}>
          <a
            href=${p.route ? `${BASE}/${p.route}` : BASE}
            aria-current=${current === p ? "page" : undefined}
          >${p.label}</a>
        </li>`,
      )}
    </ul>
  </nav>`;
}

function Shell({ user, onSignOut }) {
  const [location, setLocation] = useState(parseLocation);
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => {
    setLocationState = setLocation;
    const onPop = () => setLocation(parseLocation());
    const onClick = (event) => {
      const url = isAdminLink(event);
      if (!url) return;
      event.preventDefault();
      setMenuOpen(false);
      navigate(url.pathname + url.search);
    };
    window.addEventListener("popstate", onPop);
    document.addEventListener("click", onClick);
    return () => {
      window.removeEventListener("popstate", onPop);
      document.removeEventListener("click", onClick);
    };
  }, []);
  const page = PAGES.find((p) => p.route === location.route);
  return html`<div class="shell">
    <a class="skip-link" href="#main">Skip to content</a>
    <header class="topbar">
      <button
        type="button"
        class="btn btn-secondary menu-toggle"
        aria-expanded=${menuOpen ? "true" : "false"}
        aria-controls="sidebar"
        onClick=${() => setMenuOpen(!menuOpen)}
      >Menu</button>
      <a class="brand" href=${BASE}>Inset <span>admin</span></a>
      <div class="topbar-user">
        <span class="user-email">${user.email}</span>
        <${Button} onClick=${onSignOut}>Sign out<//>
      </div>
    </header>
    <div class="layout">
      <aside id="sidebar" class=${menuOpen ? "sidebar open" : "sidebar"}><${Nav} current=${page} /></aside>
      <main id="main" tabindex="-1">
        ${page ? html`<${PageHost} key=${page.module} page=${page} location=${location} user=${user} />` : html`<${NotFoundPage} />`}
      </main>
    </div>
    <${Toaster} />
  </div>`;
}

// ---- signed out: sign in, or create the first administrator ------------------------------

function SignIn({ notice, onSignedIn }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const { onSubmit: submit, busy, error } = useSubmit(async () =>
    onSignedIn(await api("POST", "/admin/api/login", { email, password })),
  );
  return html`<main class="auth" id="main">
    <form class="auth-card" onSubmit=${submit} aria-labelledby="auth-title">
      <h1 id="auth-title">Sign in to Inset</h1>
      ${notice ? html`<p class="notice" role="status">${notice}</p>` : null}
      <${ErrorBanner} error=${error} />
      <${Field} label="Email">
        ${(a) => html`<input ...${a} type="email" name="email" autocomplete="username" required value=${email} onInput=${(e) => setEmail(e.currentTarget.value)} />`}
      <//>
      <${Field} label="Password">
        ${(a) => html`<input ...${a} type="password" name="password" autocomplete="current-password" required value=${password} onInput=${(e) => setPassword(e.currentTarget.value)} />`}
      <//>
      <${Button} type="submit" variant="primary" busy=${busy}>Sign in<//>
    </form>
  </main>`;
}

function Setup({ status, onSignedIn }) {
  const [form, setForm] = useState({ email: "", password: "", confirm: "", setupToken: "" });
  const set = (key) => (e) => setForm({ ...form, [key]: e.currentTarget.value });
  const { onSubmit: submit, busy, error } = useSubmit(async () => {
    if (form.password !== form.confirm) throw { message: "The passwords differ.", field: "confirm" };
    const body = { email: form.email, password: form.password };
    if (form.setupToken.trim()) body.setupToken = form.setupToken.trim();
    onSignedIn(await api("POST", "/admin/api/setup", body));
  });
  return html`<main class="auth" id="main">
    <form class="auth-card" onSubmit=${submit} aria-labelledby="auth-title">
      <h1 id="auth-title">Create the first administrator</h1>
      <p>No administrator exists yet. The account you create here can sign in to this admin UI.</p>
      <${ErrorBanner} error=${error && !error.field ? error : null} />
      <${Field} label="Email" error=${fieldError(error, "email")}>
        ${(a) => html`<input ...${a} type="email" autocomplete="username" required value=${form.email} onInput=${set("email")} />`}
      <//>
      <${Field} label="Password" hint="At least 12 characters." error=${fieldError(error, "password")}>
        ${(a) => html`<input ...${a} type="password" autocomplete="new-password" required value=${form.password} onInput=${set("password")} />`}
      <//>
      <${Field} label="Repeat the password" error=${fieldError(error, "confirm")}>
        ${(a) => html`<input ...${a} type="password" autocomplete="new-password" required value=${form.confirm} onInput=${set("confirm")} />`}
      <//>
      ${status.loopback
        ? null
        : html`<${Field}
            label="Setup token"
            hint="You are not on the server itself: run inset admin setup-token there and paste the token."
            error=${fieldError(error, "setupToken")}
          >
            ${(a) => html`<input ...${a} type="password" autocomplete="off" value=${form.setupToken} onInput=${set("setupToken")} />`}
          <//>`}
      <${Button} type="submit" variant="primary" busy=${busy}>Create and sign in<//>
    </form>
  </main>`;
}

// ---- the app -----------------------------------------------------------------------------

function App() {
  const [state, setState] = useState({ view: "loading" });
  const signedIn = (me) => {
    setCsrfToken(me.csrfToken);
    setState({ view: "app", user: me.user });
  };
  const signedOut = async (notice) => {
    setCsrfToken(null);
    try {
      const status = await api("GET", "/admin/api/setup");
      setState(status.setupRequired ? { view: "setup", status } : { view: "login", notice });
    } catch (error) {
      setState({ view: "error", error });
    }
  };
  useEffect(() => {
    onSessionEnded(() => signedOut("Your session has ended. Sign in again to continue."));
    api("GET", "/admin/api/me").then(signedIn, (error) =>
      error.status === 401 ? signedOut(null) : setState({ view: "error", error }),
    );
  }, []);
  const signOut = async () => {
    try {
      await api("POST", "/admin/api/logout");
    } catch (error) {
      notify(`Sign-out failed: ${error.message}`, "error");
      return;
    }
    signedOut("You have signed out.");
  };
  switch (state.view) {
    case "app":
      return html`<${Shell} user=${state.user} onSignOut=${signOut} />`;
    case "login":
      return html`<${SignIn} notice=${state.notice} onSignedIn=${signedIn} />`;
    case "setup":
      return html`<${Setup} status=${state.status} onSignedIn=${signedIn} />`;
    case "error":
      return html`<main class="auth" id="main"><div class="auth-card"><${ErrorBanner} error=${state.error} onRetry=${() => window.location.reload()} /></div></main>`;
    default:
      return html`<${Loading} label="Loading the admin UI…" />`;
  }
}

const root = document.getElementById("app");
root.textContent = "";
render(html`<${App} />`, root);
