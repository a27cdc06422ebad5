// Apps: every app with its live release; an app's releases, a diff of two releases,
// promote (rollback) with a confirmation, and "Preview as…": an embed session minted for
// one external user exactly as the embed API would mint it, framed here.
// Route: /admin/apps, /admin/apps/<slug> opens one app.
import { useState } from "/static/vendor/hooks.module.js";
import { api } from "../api.js";
import { html } from "../html.js";
import {
  Badge, Button, Confirm, DataTable, ErrorBanner, Field, Loading, Page, Panel, formatDate, notify, useLoad,
} from "../ui.js";
import { DiffView, PreviewFrame, TextField, UserFields, useGroups, useMetadataSubmit } from "../widgets.js";

const enc = encodeURIComponent;

const APP_COLUMNS = [
  { key: "name", label: "Name" },
  { key: "slug", label: "Slug" },
  { key: "live", label: "Live release", render: (a) => (a.live ? a.live.version : "—") },
  { key: "release_count", label: "Releases" },
  { key: "environments", label: "Environments", render: (a) => a.environments.join(", ") || "—" },
  { key: "parent_origins", label: "Allowed parent origins", render: (a) => a.parent_origins.join(" ") || "none" },
];

function VersionSelect({ label, value, onChange, versions }) {
  return html`<${Field} label=${label}>
    ${(p) => html`<select ...${p} value=${value} onChange=${(e) => onChange(e.target.value)}>
      ${versions.map((v) => html`<option value=${v}>${v}</option>`)}
    </select>`}
  <//>`;
}

function DiffPanel({ app, versions }) {
  const [from, setFrom] = useState(versions[1] || versions[0] || "");
  const [to, setTo] = useState(versions[0] || "");
  const [diff, setDiff] = useState(null);
  const [error, setError] = useState(null);
  async function show(event) {
    event.preventDefault();
    setError(null);
    try {
      setDiff(await api("GET", `/api/v1/apps/${enc(app.slug)}/releases/${enc(from)}/diff/${enc(to)}`));
    } catch (err) {
      setError(err);
    }
  }
  return html`<${Panel} title="Compare releases">
    <form class="inline-form" onSubmit=${show}>
      <${VersionSelect} label="From" value=${from} onChange=${setFrom} versions=${versions} />
      <${VersionSelect} label="To" value=${to} onChange=${setTo} versions=${versions} />
      <${Button} type="submit">Show diff<//>
    </form>
    <${ErrorBanner} error=${error} />
    ${diff && html`<${DiffView} diff=${diff} />`}
  <//>`;
}

function ReleasesPanel({ app, releases, onChanged }) {
  const [promoting, setPromoting] = useState(null);
  const promote = async () => {
    await api("POST", `/api/v1/apps/${enc(app.slug)}/releases/${enc(promoting.version)}/promote`);
    notify(`${app.slug} ${promoting.version} is now live.`);
    onChanged();
  };
  const columns = [
    {
      key: "version",
      label: "Version",
      render: (r) => html`${r.version} ${r.is_latest ? html`<${Badge} tone="ok">live<//>` : null}`,
    },
    { key: "created_at", label: "Released", render: (r) => formatDate(r.created_at) },
    { key: "git_commit", label: "Commit", render: (r) => (r.git_commit ? r.git_commit.slice(0, 10) : "—") },
    { key: "git_message", label: "Message", render: (r) => r.git_message || "" },
    {
      key: "actions",
      label: "Actions",
      render: (r) =>
        r.is_latest ? "" : html`<${Button} onClick=${() => setPromoting(r)}>Promote ${r.version}<//>`,
    },
  ];
  return html`<${Panel} title=${`Releases of ${app.name}`}>
    <${DataTable} columns=${columns} rows=${releases} empty="No releases." />
    <${Confirm}
      open=${promoting !== null}
      title=${promoting ? `Make ${promoting.version} live?` : ""}
      message=${promoting
        ? `New embeds of ${app.name} with releaseVersion "latest" will get ${promoting.version}. Open sessions keep their release.`
        : ""}
      confirmLabel="Promote"
      danger=${false}
      onConfirm=${promote}
      onClose=${() => setPromoting(null)}
    />
  <//>`;
}

function PreviewPanel({ app, releases }) {
  const groups = useGroups();
  const [user, setUser] = useState({ externalIdentifier: "", groupIds: [], metadata: "{}" });
  const [options, setOptions] = useState({ releaseVersion: "latest", environment: "production" });
  const { errors, error, result: preview, submit } = useMetadataSubmit((metadata) =>
    api("POST", `/api/v1/apps/${enc(app.slug)}/preview`, {
      externalIdentifier: user.externalIdentifier,
      groupIds: user.groupIds.map(Number),
      metadata,
      ...options,
    }),
  );
  return html`<${Panel} title="Preview as…">
    <p class="field-hint">Mints an embed session for this user exactly as the embed API would: the
      same access rules and row filters. Audited as admin.preview.</p>
    <form class="form-grid" onSubmit=${(e) => submit(e, user.metadata)} novalidate>
      <${UserFields} value=${user} onChange=${setUser} groups=${groups} errors=${errors} />
      <${Field} label="Release" error=${errors.releaseVersion}>
        ${(p) => html`<select ...${p} value=${options.releaseVersion}
          onChange=${(e) => setOptions({ ...options, releaseVersion: e.target.value })}>
          <option value="latest">latest</option>
          ${releases.map((r) => html`<option value=${r.version}>${r.version}</option>`)}
        </select>`}
      <//>
      <${TextField} label="Environment" name="environment" form=${options} setForm=${setOptions}
        error=${errors.environment} />
      <div class="form-actions"><${Button} variant="primary" type="submit">Preview<//></div>
    </form>
    <${ErrorBanner} error=${error} />
    ${preview && html`<${PreviewFrame} preview=${preview}
      label=${`Preview of ${app.name} as ${user.externalIdentifier}`} />`}
  <//>`;
}

function AppDetail({ app, onChanged }) {
  const releases = useLoad(() => api("GET", `/api/v1/apps/${enc(app.slug)}/releases`), [app.slug]);
  if (releases.loading) return html`<${Loading} />`;
  if (releases.error) return html`<${ErrorBanner} error=${releases.error} onRetry=${releases.reload} />`;
  const changed = () => { releases.reload(); onChanged(); };
  const versions = releases.data.map((r) => r.version);
  return html`
    <${ReleasesPanel} app=${app} releases=${releases.data} onChanged=${changed} />
    ${versions.length > 1 ? html`<${DiffPanel} key=${versions.join()} app=${app} versions=${versions} />` : null}
    <${PreviewPanel} key=${app.slug} app=${app} releases=${releases.data} />`;
}

export default function AppsPage({ rest, navigate }) {
  const apps = useLoad(() => api("GET", "/api/v1/apps"), []);
  const open = apps.data && rest ? apps.data.find((a) => a.slug === rest) : null;
  return html`<${Page} title=${open ? `Apps · ${open.name}` : "Apps"}>
    <${ErrorBanner} error=${apps.error} onRetry=${apps.reload} />
    ${apps.loading && !apps.data ? html`<${Loading} />` : null}
    ${apps.data
      ? html`<${DataTable} columns=${APP_COLUMNS} rows=${apps.data} rowKey=${(a) => a.slug}
          caption="Apps (select one for its releases and previews)"
          empty="No apps yet: deploy one with inset deploy."
          onRowClick=${(a) => navigate(`/admin/apps/${enc(a.slug)}`)} />`
      : null}
    ${rest && apps.data && !open ? html`<p class="empty">No app '${rest}'.</p>` : null}
    ${open ? html`<${AppDetail} key=${open.slug} app=${open} onChanged=${apps.reload} />` : null}
  <//>`;
}
