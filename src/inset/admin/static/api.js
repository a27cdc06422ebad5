// The admin UI's only way to talk to the server: same-origin JSON over fetch.
//
// The admin session is the HttpOnly cookie `inset_admin` (the browser sends it; scripts
// never see it). Unsafe requests carry the session's CSRF token in X-CSRF-Token: app.js
// sets it after sign-in or from GET /admin/api/me (setCsrfToken). A 401 means the session
// ended: the handler app.js registers (onSessionEnded) shows the sign-in view.

// The runtime's error class: {error: {code, message, field?}} plus the HTTP status (0: no
// answer) as .status, .code, .message, .field.
import { ApiError } from "/static/api.js";

export { ApiError };

const UNREACHABLE = "Can't reach the server. Check your connection and try again.";
const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);
// Sign-in and setup answer 401/403 about the credentials, not about an ended session.
const NO_SESSION_PATHS = ["/admin/api/login", "/admin/api/setup", "/admin/api/me"];

let csrfToken = null;
let sessionEnded = () => {};

export function setCsrfToken(token) {
  csrfToken = token || null;
}

/** Register what to do when a request answers 401 (the session expired or was revoked). */
export function onSessionEnded(handler) {
  sessionEnded = handler;
}

/** `path` with the non-empty `params` as a query string. */
export function withQuery(path, params) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params || {})) {
    if (value !== undefined && value !== null && value !== "") query.set(key, String(value));
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

/** Call the API; resolves to the parsed JSON (null for 204), rejects with ApiError. */
export async function api(method, path, body) {
  method = method.toUpperCase();
  const headers = { Accept: "application/json", "Content-Type": "application/json" };
  if (csrfToken && !SAFE.has(method)) headers["X-CSRF-Token"] = csrfToken;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
    });
  } catch {
    throw new ApiError(0, "network_error", UNREACHABLE, null);
  }
  if (response.status === 204) return null;
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const error = (data && data.error) || {};
    const failure = new ApiError(
      response.status,
      error.code || "http_error",
      error.message ||
        (response.status >= 500
          ? `The server had a problem (${response.status}). Try again in a moment.`
          : `Request failed (${response.status}).`),
      error.field,
    );
    if (response.status === 401 && !NO_SESSION_PATHS.some((p) => path.startsWith(p))) {
      sessionEnded(failure);
    }
    throw failure;
  }
  return data;
}
