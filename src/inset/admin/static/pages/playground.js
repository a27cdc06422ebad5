// Embed playground: fill in an embed request, get the same call as curl, Python and Node
// code (the token is always the placeholder $INSET_TOKEN, never a real secret) and a live
// preview minted by the server with the admin's own rights (POST /api/v1/embed-playground).
import { useEffect, useState } from "/static/vendor/hooks.module.js";
import { api } from "../api.js";
import { html } from "../html.js";
import { Button, CopyButton, ErrorBanner, Field, Page, Panel, useLoad } from "../ui.js";
import { PreviewFrame, TextField, UserFields, useGroups, useMetadataSubmit } from "../widgets.js";

const LANGUAGES = [
  ["curl", "curl"],
  ["python", "Python (inset.client)"],
  ["node", "Node (fetch)"],
];

function Snippets({ snippets }) {
  return html`<${Panel} title="Code">
    <p class="field-hint">Run it on your backend with INSET_TOKEN set to an access token with scope
      embed, and put the returned embedUrl in the iframe.</p>
    ${LANGUAGES.map(([key, label]) => html`<div class="snippet">
      <div class="snippet-head">
        <h3 id=${`snippet-${key}`}>${label}</h3>
        <${CopyButton} text=${snippets[key]} label=${`Copy ${label}`} />
      </div>
      <pre class="code" tabindex="0" aria-labelledby=${`snippet-${key}`} data-language=${key}>${snippets[key]}</pre>
    </div>`)}
  <//>`;
}

function SelectField({ label, value, onChange, error, children }) {
  return html`<${Field} label=${label} error=${error}>
    ${(p) => html`<select ...${p} value=${value} onChange=${(e) => onChange(e.target.value)}>${children}</select>`}
  <//>`;
}

const START = {
  externalIdentifier: "", groupIds: [], metadata: "{}", email: "", firstName: "", lastName: "",
  parentOrigin: "", sessionMode: "cookieless", sessionDurationMinutes: "600",
};

function requestOf(form, app, metadata) {
  const userInfo = Object.fromEntries(
    ["email", "firstName", "lastName"].filter((k) => form[k].trim()).map((k) => [k, form[k].trim()]),
  );
  return {
    landingPageUuid: app ? app.uuid : "",
    groupIds: form.groupIds.map(Number),
    externalIdentifier: form.externalIdentifier,
    ...(Object.keys(userInfo).length ? { userInfo } : {}),
    ...(Object.keys(metadata).length ? { metadata } : {}),
    ...(form.parentOrigin.trim() ? { parentOrigin: form.parentOrigin.trim() } : {}),
    sessionMode: form.sessionMode,
    sessionDurationMinutes: Number(form.sessionDurationMinutes),
  };
}

export default function PlaygroundPage() {
  const groups = useGroups();
  const apps = useLoad(() => api("GET", "/api/v1/apps"), []);
  const [slug, setSlug] = useState("");
  const [form, setForm] = useState(START);
  const list = apps.data || [];
  const app = list.find((a) => a.slug === slug) || list[0];
  const origins = app ? app.parent_origins : [];
  useEffect(() => {
    setForm((old) => ({ ...old, parentOrigin: origins[0] || "" }));
  }, [app && app.slug]);
  const f = { form, setForm };
  const { errors, error, result, submit } = useMetadataSubmit((metadata) =>
    api("POST", "/api/v1/embed-playground", requestOf(form, app, metadata)),
  );
  return html`<${Page} title="Embed playground">
    <p class="field-hint">Try an embed request for any user and get the code your backend needs. The
      live preview runs with your admin rights and is audited as admin.preview.</p>
    <form class="form-grid playground-form" onSubmit=${(e) => submit(e, form.metadata)} novalidate>
      <${SelectField} label="App" value=${app ? app.slug : ""} onChange=${setSlug} error=${errors.landingPageUuid}>
        ${list.map((a) => html`<option value=${a.slug}>${a.name} (${a.slug})</option>`)}
      <//>
      <${UserFields} value=${form} onChange=${setForm} groups=${groups} errors=${errors} />
      <${TextField} label="Email" name="email" type="email" ...${f} error=${errors.userInfo} />
      <${TextField} label="First name" name="firstName" ...${f} />
      <${TextField} label="Last name" name="lastName" ...${f} />
      <${TextField} label="Parent origin (the host page)" name="parentOrigin" ...${f}
        list="playground-origins" placeholder="https://app.example.com" error=${errors.parentOrigin}
        hint=${origins.length ? `Allowed: ${origins.join(" ")}` : "The app allows no parent origin."} />
      <datalist id="playground-origins">${origins.map((o) => html`<option value=${o}></option>`)}</datalist>
      <${SelectField} label="Session mode" value=${form.sessionMode} error=${errors.sessionMode}
        onChange=${(v) => setForm({ ...form, sessionMode: v })}>
        <option value="cookieless">cookieless (default)</option>
        <option value="cookie">cookie</option>
      <//>
      <${TextField} label="Session duration (minutes)" name="sessionDurationMinutes" type="number"
        min="1" max="10080" ...${f} error=${errors.sessionDurationMinutes} />
      <div class="form-actions"><${Button} variant="primary" type="submit">Generate code and preview<//></div>
    </form>
    <${ErrorBanner} error=${error || apps.error} />
    ${result ? html`<div class="playground-result">
      <${Snippets} snippets=${result.snippets} />
      <${Panel} title="Live preview">
        <${PreviewFrame} preview=${result.preview} label="Embed playground preview" />
      <//>
    </div>` : null}
  <//>`;
}
