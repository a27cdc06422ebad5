// External users: search by identifier, email or name (GET /api/v1/external-users, paged
// with the cursor); one user at /admin/users/<identifier>: their embed sessions (GET
// /api/v1/external-users/<identifier>/sessions), revoke one (DELETE /api/v1/sessions/<id>)
// or all of them (POST /api/v1/external-users/<identifier>/revoke-sessions), confirmed first.
import { useState } from "/static/vendor/hooks.module.js";
import { html } from "../html.js";
import { api, withQuery } from "../api.js";
import {
  Badge,
  Button,
  Confirm,
  DataTable,
  ErrorBanner,
  Field,
  Loaded,
  Page,
  Panel,
  formatDate,
  notify,
  useLoad,
} from "../ui.js";

const STATUS_TONES = { live: "ok", ended: "neutral", revoked: "danger" };

function displayName(user) {
  return [user.firstName, user.lastName].filter(Boolean).join(" ") || "—";
}

function Sessions({ identifier, navigate }) {
  const path = `/api/v1/external-users/${encodeURIComponent(identifier)}`;
  const sessions = useLoad(() => api("GET", `${path}/sessions`), [identifier]);
  const [confirm, setConfirm] = useState(null); // {title, message, label, run}
  const revokeOne = (s) =>
    setConfirm({
      title: "Revoke this session?",
      message: `The session in ${s.appName} started ${formatDate(s.startedAt)} ends at once; the user sees "session ended".`,
      label: "Revoke session",
      run: async () => {
        await api("DELETE", `/api/v1/sessions/${encodeURIComponent(s.id)}`);
        notify("Session revoked.");
        sessions.reload();
      },
    });
  const revokeAll = () =>
    setConfirm({
      title: `Revoke every session of ${identifier}?`,
      message: "All of this user's live sessions end at once, in every app. They can start new ones through the host product.",
      label: "Revoke all sessions",
      run: async () => {
        const result = await api("POST", `${path}/revoke-sessions`);
        notify(`Revoked ${result.revoked} session${result.revoked === 1 ? "" : "s"}.`);
        sessions.reload();
      },
    });
  const live = sessions.data ? sessions.data.filter((s) => s.status === "live").length : 0;
  return html`<${Panel}
    title=${`Sessions of ${identifier}`}
    actions=${html`
      <${Button} variant="danger" disabled=${!live} onClick=${revokeAll}>Revoke all sessions<//>
      <${Button} onClick=${() => navigate("/admin/users")}>Close<//>
    `}
  >
    <${Loaded} state=${sessions}>${(rows) => html`<${DataTable}
            columns=${[
              { key: "appName", label: "App" },
              { key: "startedAt", label: "Started", render: (s) => formatDate(s.startedAt) },
              { key: "lastSeenAt", label: "Last seen", render: (s) => formatDate(s.lastSeenAt) },
              { key: "parentOrigin", label: "Origin", render: (s) => s.parentOrigin || "—" },
              { key: "mode", label: "Mode" },
              { key: "status", label: "Status", render: (s) => html`<${Badge} tone=${STATUS_TONES[s.status]}>${s.status}<//>` },
              {
                key: "actions",
                label: "Actions",
                render: (s) =>
                  s.status === "live"
                    ? html`<${Button} variant="danger" onClick=${() => revokeOne(s)} aria-label=${`Revoke the session started ${formatDate(s.startedAt)}`}>Revoke<//>`
                    : null,
              },
            ]}
            rows=${rows}
            empty="This user has no sessions."
          />`}<//>
    <${Confirm}
      open=${!!confirm}
      title=${confirm ? confirm.title : ""}
      message=${confirm ? confirm.message : ""}
      confirmLabel=${confirm ? confirm.label : "Confirm"}
      onConfirm=${() => confirm.run()}
      onClose=${() => setConfirm(null)}
    />
  <//>`;
}

export default function UsersPage({ rest, query, navigate }) {
  const initial = query.get("search") || "";
  const [draft, setDraft] = useState(initial);
  const [pages, setPages] = useState([]); // extra pages loaded with "Load more"
  const [moreError, setMoreError] = useState(null);
  const result = useLoad(() => {
    setPages([]);
    return api("GET", withQuery("/api/v1/external-users", { search: initial }));
  }, [initial]);
  const search = (event) => {
    event.preventDefault();
    navigate(withQuery(rest ? `/admin/users/${encodeURIComponent(rest)}` : "/admin/users", { search: draft.trim() }), { replace: true });
  };
  const last = pages.length ? pages[pages.length - 1] : result.data;
  const loadMore = async () => {
    setMoreError(null);
    try {
      const page = await api("GET", withQuery("/api/v1/external-users", { search: initial, cursor: last.nextCursor }));
      setPages([...pages, page]);
    } catch (err) {
      setMoreError(err);
    }
  };
  const users = result.data ? [result.data, ...pages].flatMap((p) => p.users) : [];
  return html`<${Page} title="External users">
    <form class="inline-form panel" role="search" aria-label="Search external users" onSubmit=${search}>
      <${Field} label="Search by identifier, email or name">
        ${(a) => html`<input ...${a} type="search" name="search" value=${draft} onInput=${(e) => setDraft(e.currentTarget.value)} />`}
      <//>
      <${Button} type="submit" variant="primary">Search<//>
    </form>
    ${rest ? html`<${Sessions} key=${rest} identifier=${rest} navigate=${navigate} />` : null}
    <${Loaded} state=${result}>${() => html`<${DataTable}
            caption="Select a user to see and revoke their sessions"
            columns=${[
              { key: "externalIdentifier", label: "Identifier" },
              { key: "name", label: "Name", render: displayName },
              { key: "email", label: "Email" },
              { key: "lastSeenAt", label: "Last seen", render: (u) => formatDate(u.lastSeenAt) },
            ]}
            rows=${users}
            empty=${initial ? `No external user matches "${initial}".` : "No external user has opened an app yet."}
            onRowClick=${(u) => navigate(withQuery(`/admin/users/${encodeURIComponent(u.externalIdentifier)}`, { search: initial }))}
          />`}<//>
    <${ErrorBanner} error=${moreError} />
    ${last && last.nextCursor ? html`<${Button} onClick=${loadMore}>Load more<//>` : null}
  <//>`;
}
