// Access tokens: list (GET /api/v1/tokens; never the secrets), create (POST: the secret is
// shown once, in a dialog with a copy button) and revoke (DELETE, confirmed first).
import { useState } from "/static/vendor/hooks.module.js";
import { html } from "../html.js";
import { api } from "../api.js";
import {
  Badge,
  Button,
  Confirm,
  CopyButton,
  DataTable,
  ErrorBanner,
  Field,
  Loaded,
  Modal,
  Page,
  Panel,
  fieldError,
  formatDate,
  notify,
  useLoad,
  useSubmit,
} from "../ui.js";

const SCOPES = [
  { value: "embed", hint: "mint embed URLs (the host product's backend)" },
  { value: "admin", hint: "everything in the admin API" },
  { value: "apps:deploy", hint: "deploy apps and promote releases (CI)" },
  { value: "audit:read", hint: "read the audit log and usage" },
];
const EXPIRY = [
  { days: "", label: "Never" },
  { days: "30", label: "30 days" },
  { days: "90", label: "90 days" },
  { days: "365", label: "1 year" },
];
const STATUS_TONES = { active: "ok", expired: "warn", revoked: "danger" };

function CreateForm({ onCreated }) {
  const [form, setForm] = useState({ name: "", scopes: ["embed"], expires: "" });
  const toggle = (scope) => {
    const scopes = form.scopes.includes(scope) ? form.scopes.filter((s) => s !== scope) : [...form.scopes, scope];
    setForm({ ...form, scopes });
  };
  const { onSubmit: submit, busy, error } = useSubmit(async () => {
    const body = { name: form.name.trim(), scopes: form.scopes };
    if (form.expires) body.expires_days = Number(form.expires);
    onCreated(await api("POST", "/api/v1/tokens", body));
    setForm({ name: "", scopes: ["embed"], expires: "" });
  });
  const scopeError = fieldError(error, "scopes");
  return html`<form onSubmit=${submit} aria-label="New access token">
    <${Field} label="Name" hint="What the token is for, e.g. host backend (production)." error=${fieldError(error, "name")}>
      ${(a) => html`<input ...${a} name="name" required maxlength="200" value=${form.name} onInput=${(e) => setForm({ ...form, name: e.currentTarget.value })} />`}
    <//>
    <fieldset class="checks" aria-describedby=${scopeError ? "scopes-error" : undefined}>
      <legend>Scopes</legend>
      ${SCOPES.map(
        (s) => html`<label title=${s.hint}>
          <input type="checkbox" name="scopes" value=${s.value} checked=${form.scopes.includes(s.value)} onChange=${() => toggle(s.value)} />
          ${s.value} <span class="muted">— ${s.hint}</span>
        </label>`,
      )}
    </fieldset>
    ${scopeError ? html`<p class="field-error" id="scopes-error">${scopeError}</p>` : null}
    <${Field} label="Expires" error=${fieldError(error, "expires_days")}>
      ${(a) => html`<select ...${a} name="expires" value=${form.expires} onChange=${(e) => setForm({ ...form, expires: e.currentTarget.value })}>
        ${EXPIRY.map((x) => html`<option value=${x.days}>${x.label}</option>`)}
      </select>`}
    <//>
    ${error && !["name", "scopes", "expires_days"].includes(error.field) ? html`<${ErrorBanner} error=${error} />` : null}
    <${Button} type="submit" variant="primary" busy=${busy} disabled=${!form.scopes.length}>Create token<//>
  </form>`;
}

function SecretDialog({ created, onClose }) {
  return html`<${Modal}
    open=${!!created}
    title=${created ? `Token "${created.name}" created` : ""}
    onClose=${onClose}
    actions=${html`<${Button} variant="primary" onClick=${onClose}>I have stored it<//>`}
  >
    ${created
      ? html`<p class="warning" role="note">
            This is the only time the token is shown. Copy it now into your secret manager:
            Inset stores only a hash and cannot show it again.
          </p>
          <div class="secret-box">
            <label class="offscreen" for="new-token-secret">Token</label>
            <input id="new-token-secret" readonly value=${created.token} onFocus=${(e) => e.currentTarget.select()} />
            <${CopyButton} text=${created.token} />
          </div>`
      : null}
  <//>`;
}

export default function TokensPage() {
  const tokens = useLoad(() => api("GET", "/api/v1/tokens"), []);
  const [created, setCreated] = useState(null);
  const [revoking, setRevoking] = useState(null);
  const onCreated = (token) => {
    setCreated(token);
    tokens.reload();
  };
  const revoke = async () => {
    await api("DELETE", `/api/v1/tokens/${revoking.id}`);
    notify(`Revoked the token ${revoking.name}.`);
    tokens.reload();
  };
  return html`<${Page} title="Access tokens">
    <${Panel} title="New token"><${CreateForm} onCreated=${onCreated} /><//>
    <${Loaded} state=${tokens}>${(rows) => html`<${DataTable}
            columns=${[
              { key: "name", label: "Name" },
              { key: "hint", label: "Starts with", render: (t) => html`<code>${t.hint}…</code>` },
              { key: "scopes", label: "Scopes", render: (t) => t.scopes.join(", ") },
              { key: "created_at", label: "Created", render: (t) => formatDate(t.created_at) },
              { key: "expires_at", label: "Expires", render: (t) => (t.expires_at ? formatDate(t.expires_at) : "never") },
              { key: "last_used_at", label: "Last used", render: (t) => (t.last_used_at ? formatDate(t.last_used_at) : "never") },
              { key: "status", label: "Status", render: (t) => html`<${Badge} tone=${STATUS_TONES[t.status]}>${t.status}<//>` },
              {
                key: "actions",
                label: "Actions",
                render: (t) =>
                  t.status === "active"
                    ? html`<${Button} variant="danger" aria-label=${`Revoke ${t.name}`} onClick=${() => setRevoking(t)}>Revoke<//>`
                    : null,
              },
            ]}
            rows=${rows}
            empty="No tokens yet."
          />`}<//>
    <${SecretDialog} created=${created} onClose=${() => setCreated(null)} />
    <${Confirm}
      open=${!!revoking}
      title=${revoking ? `Revoke ${revoking.name}?` : ""}
      message="Requests with this token fail from now on (401), in every server process. This cannot be undone."
      confirmLabel="Revoke token"
      onConfirm=${revoke}
      onClose=${() => setRevoking(null)}
    />
  <//>`;
}
