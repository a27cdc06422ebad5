// Groups: list and create (GET/POST /api/v1/groups); one group at /admin/groups/<id>
// (GET /api/v1/groups/<id>): rename it (PATCH), its access level on each app (read-only:
// access lives in each app's app.yaml in Git) and the external users who last came with it.
import { useEffect, useState } from "/static/vendor/hooks.module.js";
import { html } from "../html.js";
import { api } from "../api.js";
import {
  Badge,
  Button,
  DataTable,
  ErrorBanner,
  Field,
  Loaded,
  Page,
  Panel,
  fieldError,
  formatDate,
  notify,
  useLoad,
  useSubmit,
} from "../ui.js";

/** A one-field form (a group's name) that calls `submit(name)` and shows its error. */
function NameForm({ label, initial = "", submitLabel, submit, onDone }) {
  const [name, setName] = useState(initial);
  useEffect(() => setName(initial), [initial]);
  const { onSubmit, busy, error } = useSubmit(async () => {
    const result = await submit(name.trim());
    if (!initial) setName("");
    onDone(result);
  });
  return html`<form class="inline-form" onSubmit=${onSubmit}>
    <${Field} label=${label} error=${fieldError(error, "name")}>
      ${(a) => html`<input ...${a} name="name" required maxlength="200" value=${name} onInput=${(e) => setName(e.currentTarget.value)} />`}
    <//>
    <${Button} type="submit" variant="primary" busy=${busy}>${submitLabel}<//>
    ${error && error.field !== "name" ? html`<${ErrorBanner} error=${error} />` : null}
  </form>`;
}

const LEVEL_TONES = { none: "neutral", use: "ok", edit: "warn", own: "danger" };

function GroupDetail({ id, navigate, onChanged }) {
  const detail = useLoad(() => api("GET", `/api/v1/groups/${encodeURIComponent(id)}`), [id]);
  const rename = (name) => api("PATCH", `/api/v1/groups/${encodeURIComponent(id)}`, { name });
  const renamed = (group) => {
    notify(`Renamed the group to ${group.name}.`);
    detail.reload();
    onChanged();
  };
  return html`<${Loaded} state=${detail}>${(data) => html`<${Panel}
    title=${`Group: ${data.name}`}
    actions=${html`<${Button} onClick=${() => navigate("/admin/groups")}>Close<//>`}
  >
    <${NameForm} label="Name" initial=${data.name} submitLabel="Rename" submit=${rename} onDone=${renamed} />
    <p class="muted">
      Embed calls may name groups by id (${data.id}) or by name; after a rename, calls and
      app.yaml rules that use the old name must use the new one.
    </p>
    <h3>Access to apps</h3>
    <p class="notice">
      Read-only here: access levels live in each app's <code>app.yaml</code> in Git, under${" "}
      <code>access:</code> (for example <code>- {group: ${data.name}, level: use}</code>).
      Edit that file in the app's folder and deploy to change them.
    </p>
    <${DataTable}
      caption="The level this group has on each app's live release"
      columns=${[
        { key: "name", label: "App", render: (a) => html`${a.name} <span class="muted">(${a.app})</span>` },
        { key: "level", label: "Level", render: (a) => html`<${Badge} tone=${LEVEL_TONES[a.level] || "neutral"}>${a.level}<//>` },
        { key: "version", label: "Live release" },
        { key: "file", label: "Edit", render: (a) => html`<code>${a.app}/app.yaml</code>` },
      ]}
      rows=${data.access}
      rowKey=${(a) => a.app}
      empty="No app is deployed yet."
    />
    <h3>Users who last came with this group</h3>
    <${DataTable}
      columns=${[
        { key: "externalIdentifier", label: "User", render: (u) => html`<a href=${`/admin/users?search=${encodeURIComponent(u.externalIdentifier)}`}>${u.externalIdentifier}</a>` },
        { key: "email", label: "Email" },
        { key: "lastSeenAt", label: "Last seen", render: (u) => formatDate(u.lastSeenAt) },
      ]}
      rows=${data.recentUsers}
      empty="No external user has used this group yet."
    />
  <//>`}<//>`;
}

export default function GroupsPage({ rest, navigate }) {
  const groups = useLoad(() => api("GET", "/api/v1/groups"), []);
  const create = (name) => api("POST", "/api/v1/groups", { name });
  const created = (group) => {
    notify(`Created the group ${group.name}.`);
    groups.reload();
  };
  return html`<${Page} title="Groups">
    <${Panel} title="New group">
      <${NameForm} label="Group name" submitLabel="Create group" submit=${create} onDone=${created} />
    <//>
    ${rest ? html`<${GroupDetail} key=${rest} id=${rest} navigate=${navigate} onChanged=${groups.reload} />` : null}
    <${Loaded} state=${groups}>${(rows) => html`<${DataTable}
            caption="Select a group to rename it and see its access"
            columns=${[
              { key: "id", label: "Id", className: "num" },
              { key: "name", label: "Name" },
              { key: "created_at", label: "Created", render: (g) => formatDate(g.created_at) },
            ]}
            rows=${rows}
            empty="No groups yet: create one above."
            onRowClick=${(g) => navigate(`/admin/groups/${g.id}`)}
          />`}<//>
  <//>`;
}
