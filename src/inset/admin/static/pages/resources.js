// Resources: the databases and APIs queries run against, per environment. Secrets never
// come back from the server (a password is only {"set": true}); leaving a secret field empty
// when editing keeps the stored secret.
import { useState } from "/static/vendor/hooks.module.js";
import { api } from "../api.js";
import { html } from "../html.js";
import { Button, Confirm, DataTable, ErrorBanner, Field, Loading, Modal, Page, notify, useLoad } from "../ui.js";
import { TextField } from "../widgets.js";

const TYPES = ["postgres", "mysql", "sqlite", "rest"];
const SSL_MODES = ["", "disable", "prefer", "require", "verify-ca", "verify-full"];
const enc = encodeURIComponent;

function location(r) {
  if (r.type === "sqlite") return r.path;
  if (r.type === "rest") return r.baseUrl;
  return `${r.host}${r.port ? `:${r.port}` : ""}/${r.database}`;
}

function secretState(r) {
  if (r.type === "rest") return r.headers.length ? r.headers.map((h) => `${h.name}: ••••`).join(", ") : "—";
  if (r.type === "sqlite") return "—";
  return r.password && r.password.set ? "password set" : "no password";
}

function resourcePath(r) {
  return `/api/v1/resources/${enc(r.name)}?environment=${enc(r.environment)}`;
}

function blankForm() {
  return {
    name: "", environment: "production", type: "postgres", path: "", host: "", port: "",
    database: "", user: "", password: "", ssl: "", baseUrl: "", headers: [], allowPrivateNetwork: false,
  };
}

function formOf(r) {
  return {
    ...blankForm(),
    ...r,
    port: r.port == null ? "" : String(r.port),
    password: "",
    passwordSet: Boolean(r.password && r.password.set),
    ssl: r.ssl || "",
    headers: (r.headers || []).map((h) => ({ name: h.name, value: "" })),
  };
}

function bodyOf(form) {
  const body = { name: form.name.trim(), environment: form.environment.trim(), type: form.type };
  if (form.type === "sqlite") body.path = form.path;
  if (form.type === "postgres" || form.type === "mysql") {
    Object.assign(body, { host: form.host, database: form.database, user: form.user, password: form.password });
    if (form.port !== "") body.port = Number(form.port);
    if (form.type === "postgres" && form.ssl) body.ssl = form.ssl;
  }
  if (form.type === "rest") {
    Object.assign(body, { baseUrl: form.baseUrl, headers: form.headers, allowPrivateNetwork: form.allowPrivateNetwork });
  }
  return body;
}

function HeadersEditor({ headers, onChange, errors, editing }) {
  const update = (index, value) => onChange(headers.map((h, i) => (i === index ? value : h)));
  return html`<fieldset class="headers-editor">
    <legend>Headers</legend>
    ${headers.map((h, i) => html`<div class="header-row">
      <${TextField} label=${`Header ${i + 1} name`} name="name" form=${h} setForm=${(v) => update(i, v)}
        error=${errors[`headers.${i}.name`] || (i === 0 ? errors.headers : null)} />
      <${TextField} label=${`Header ${i + 1} value`} name="value" type="password" autocomplete="off"
        form=${h} setForm=${(v) => update(i, v)} error=${errors[`headers.${i}.value`]}
        placeholder=${editing ? "leave empty to keep the stored value" : ""} />
      <${Button} variant="link" onClick=${() => onChange(headers.filter((_, j) => j !== i))}>Remove header ${i + 1}<//>
    </div>`)}
    <${Button} onClick=${() => onChange([...headers, { name: "", value: "" }])}>Add header<//>
  </fieldset>`;
}

function SelectField({ label, name, form, setForm, error, options }) {
  const onChange = (event) => setForm({ ...form, [name]: event.target.value });
  return html`<${Field} label=${label} error=${error}>
    ${(p) => html`<select ...${p} name=${name} value=${form[name]} onChange=${onChange}>
      ${options.map(([value, text]) => html`<option value=${value}>${text}</option>`)}
    </select>`}
  <//>`;
}

function ResourceForm({ initial, editing, onSaved, onClose }) {
  const [form, setForm] = useState(initial);
  const [errors, setErrors] = useState({});
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  async function submit(event) {
    event.preventDefault();
    setBusy(true);
    setErrors({});
    setError(null);
    try {
      const saved = editing
        ? await api("PUT", resourcePath(initial), bodyOf(form))
        : await api("POST", "/api/v1/resources", bodyOf(form));
      notify(`Saved resource ${saved.name} (${saved.environment}).`);
      onSaved();
    } catch (err) {
      if (err.field) setErrors({ [err.field]: err.message });
      setError(err);
      setBusy(false);
    }
  }
  const t = form.type;
  const f = { form, setForm };
  const server = t === "postgres" || t === "mysql";
  const keep = editing && initial.passwordSet ? "set — leave empty to keep it" : "";
  const actions = html`<${Button} onClick=${onClose}>Cancel<//>
    <${Button} variant="primary" type="submit" form="resource-form" busy=${busy}>${editing ? "Save" : "Add resource"}<//>`;
  return html`<${Modal} open=${true} wide=${true} onClose=${onClose} actions=${actions}
    title=${editing ? `Edit ${initial.name} (${initial.environment})` : "Add a resource"}>
    <form id="resource-form" class="form-grid resource-form" onSubmit=${submit} novalidate>
      <${TextField} label="Name" name="name" ...${f} error=${errors.name} disabled=${editing} />
      <${TextField} label="Environment" name="environment" ...${f} error=${errors.environment} disabled=${editing} />
      <${SelectField} label="Type" name="type" ...${f} error=${errors.type} options=${TYPES.map((x) => [x, x])} />
      ${t === "sqlite" ? html`<${TextField} label="Database file path" name="path" ...${f}
        error=${errors.path} placeholder="/srv/data/shop.db" />` : null}
      ${server ? html`
        <${TextField} label="Host" name="host" ...${f} error=${errors.host} placeholder="db.internal" />
        <${TextField} label="Port" name="port" type="number" min="1" max="65535" ...${f} error=${errors.port}
          placeholder=${t === "postgres" ? "5432" : "3306"} />
        <${TextField} label="Database" name="database" ...${f} error=${errors.database} />
        <${TextField} label="User" name="user" autocomplete="off" ...${f} error=${errors.user} />
        <${TextField} label="Password" name="password" type="password" autocomplete="new-password" ...${f}
          error=${errors.password} placeholder=${keep} />` : null}
      ${t === "postgres" ? html`<${SelectField} label="SSL mode" name="ssl" ...${f} error=${errors.ssl}
        options=${SSL_MODES.map((m) => [m, m || "driver default"])} />` : null}
      ${t === "rest" ? html`
        <${TextField} label="Base URL" name="baseUrl" ...${f} error=${errors.baseUrl}
          placeholder="https://api.example.com/v1" />
        <${HeadersEditor} headers=${form.headers} errors=${errors} editing=${editing}
          onChange=${(headers) => setForm({ ...form, headers })} />
        <label class="checkbox"><input type="checkbox" name="allowPrivateNetwork" checked=${form.allowPrivateNetwork}
          onChange=${(e) => setForm({ ...form, allowPrivateNetwork: e.target.checked })} />
          Allow a host on a private network</label>` : null}
      <${ErrorBanner} error=${error} />
    </form>
  <//>`;
}

export default function ResourcesPage() {
  const rows = useLoad(() => api("GET", "/api/v1/resources"), []);
  const [editing, setEditing] = useState(null); // {initial, editing}
  const [deleting, setDeleting] = useState(null);
  const [tests, setTests] = useState({});
  async function test(r) {
    const key = `${r.name}/${r.environment}`;
    setTests((t) => ({ ...t, [key]: { pending: true } }));
    try {
      const result = await api("POST", `/api/v1/resources/${enc(r.name)}/test?environment=${enc(r.environment)}`);
      setTests((t) => ({ ...t, [key]: result }));
    } catch (err) {
      setTests((t) => ({ ...t, [key]: { ok: false, message: err.message } }));
    }
  }
  function testResult(r) {
    const result = tests[`${r.name}/${r.environment}`];
    if (!result) return null;
    if (result.pending) return html`<span class="test-result" role="status">Testing…</span>`;
    return result.ok
      ? html`<span class="test-result test-ok" role="status">Connected in ${result.durationMs} ms</span>`
      : html`<span class="test-result test-error" role="status">${result.message}</span>`;
  }
  const columns = [
    { key: "name", label: "Name" },
    { key: "environment", label: "Environment" },
    { key: "type", label: "Type" },
    { key: "location", label: "Host / database", render: location },
    { key: "user", label: "User", render: (r) => r.user || "—" },
    { key: "secret", label: "Secrets", render: secretState },
    {
      key: "actions",
      label: "Actions",
      render: (r) => html`<div class="row-actions">
        <${Button} onClick=${() => test(r)} aria-label=${`Test ${r.name} (${r.environment})`}>Test<//>
        <${Button} onClick=${() => setEditing({ initial: formOf(r), editing: true })}
          aria-label=${`Edit ${r.name} (${r.environment})`}>Edit<//>
        <${Button} variant="danger" onClick=${() => setDeleting(r)}
          aria-label=${`Delete ${r.name} (${r.environment})`}>Delete<//>
      </div>${testResult(r)}`,
    },
  ];
  const saved = () => { setEditing(null); rows.reload(); };
  const remove = async () => {
    await api("DELETE", resourcePath(deleting));
    notify(`Deleted ${deleting.name} (${deleting.environment}).`);
    rows.reload();
  };
  const add = html`<${Button} variant="primary" onClick=${() => setEditing({ initial: blankForm(), editing: false })}>Add resource<//>`;
  return html`<${Page} title="Resources" actions=${add}>
    <${ErrorBanner} error=${rows.error} onRetry=${rows.reload} />
    ${rows.loading && !rows.data ? html`<${Loading} />` : null}
    ${rows.data ? html`<${DataTable} columns=${columns} rows=${rows.data}
      rowKey=${(r) => `${r.name}/${r.environment}`}
      empty="No resources yet. Add the databases and APIs your apps' queries use." />` : null}
    ${editing ? html`<${ResourceForm} initial=${editing.initial} editing=${editing.editing}
      onSaved=${saved} onClose=${() => setEditing(null)} />` : null}
    <${Confirm} open=${deleting !== null} title=${deleting ? `Delete ${deleting.name}?` : ""}
      message=${deleting ? `Queries that use ${deleting.name} in ${deleting.environment} will fail until it is added again.` : ""}
      confirmLabel="Delete" onConfirm=${remove} onClose=${() => setDeleting(null)} />
  <//>`;
}
