// The runtime's only way to talk to the server. The session token lives in this closure
// and nowhere else: never localStorage/sessionStorage/cookies/URL.

/** An error answer from /api/runtime/*: {error: {code, message, field?}} plus the status. */
export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.field = field ?? null;
  }
}

/** 401s mean the session can no longer be used (expired, revoked, unknown). */
export function isSessionEnded(error) {
  return error instanceof ApiError && error.status === 401;
}

const FRIENDLY = {
  0: "Can't reach the server. Check your connection and try again.",
  403: "You don't have access to this.",
  404: "Not found.",
  413: "The request is too large.",
  429: "Too many requests. Wait a moment and try again.",
  500: "Something went wrong on the server.",
  502: "The server is unavailable. Try again in a moment.",
  503: "The server is unavailable. Try again in a moment.",
  504: "The server took too long to answer.",
};

/**
 * createApi(boot, {onSessionEnded}) -> {getApp, runQuery, sendEvent, logout}
 * boot: {mode: "cookieless"|"cookie", sessionToken?, sessionId, apiBase}
 */
export function createApi(boot, { onSessionEnded } = {}) {
  const token = boot.mode === "cookieless" ? boot.sessionToken : null;
  const sessionId = boot.sessionId;
  const base = typeof boot.apiBase === "string" && boot.apiBase.startsWith("/") ? boot.apiBase.replace(/\/+$/, "") : "/api/runtime";

  function headers() {
    const h = { "Content-Type": "application/json", Accept: "application/json" };
    if (token) h.Authorization = `Bearer ${token}`;
    else if (sessionId) h["X-Inset-Session"] = sessionId;
    return h;
  }

  async function request(method, path, body, { signal } = {}) {
    let response;
    try {
      response = await fetch(base + path, {
        method,
        headers: headers(),
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: token ? "omit" : "same-origin",
        cache: "no-store",
        referrerPolicy: "no-referrer",
        signal,
      });
    } catch (err) {
      if (err && err.name === "AbortError") throw err;
      throw new ApiError(0, "network_error", FRIENDLY[0]);
    }
    if (response.status === 204) return null;
    let payload = null;
    const text = await response.text();
    if (text) {
      try {
        payload = JSON.parse(text);
      } catch {
        payload = null;
      }
    }
    if (!response.ok) {
      const e = payload && typeof payload === "object" && payload.error && typeof payload.error === "object" ? payload.error : {};
      const message = typeof e.message === "string" && e.message ? e.message
        : FRIENDLY[response.status] || `Request failed (${response.status}).`;
      const error = new ApiError(response.status, typeof e.code === "string" ? e.code : "http_error", message, e.field);
      if (isSessionEnded(error) && onSessionEnded) onSessionEnded(error);
      throw error;
    }
    return payload;
  }

  return {
    getApp: () => request("GET", "/app"),
    // options: {signal, paging} (paging: {limit, offset, sort, search} of a paginated query)
    runQuery: (name, params, { paging, ...options } = {}) =>
      request("POST", `/queries/${encodeURIComponent(name)}/run`, paging ? { params, paging } : { params }, options),
    sendEvent: (event) => request("POST", "/events", event),
    logout: () => request("POST", "/logout", {}),
  };
}
