// postMessage with the host page (DESIGN §6).
//
// Posts go only to the session's pinned parent origin (boot.parentOrigin), never "*".
// When the session has no pinned origin (parentOrigin null), the runtime posts nothing
// and accepts nothing: without a known origin there is no safe target. (The error pages
// for unusable embed links are the one exception, see embed-error.js; they carry no data.)
// Incoming messages are accepted only when event.source is window.parent and
// event.origin is the pinned origin.
//
// Two protocols share the channel:
// - Retool's (PARENT_WINDOW_QUERY out, PARENT_WINDOW_RESULT in, send_to_parent values as
//   plain messages) is always spoken, so the unmodified @tryretool/retool-embed and
//   react-retool work. Those SDKs hand every non-query message to the host's onData, so
// - Inset's own messages ({type: "inset:…", version}) are held back until the host page's
//   SDK announces itself with {type: "inset:hello", version: 1}. Then the held messages
//   (the latest inset:resize only) are flushed in order and later ones are posted at once;
//   a send_to_parent value then travels as inset:event {name: "send_to_parent", data}.

export const PROTOCOL_VERSION = 1;
const MAX_PENDING = 50;

export function createMessenger(parentOrigin, win = window) {
  const parent = win.parent && win.parent !== win ? win.parent : null;
  const origin = typeof parentOrigin === "string" && parentOrigin ? parentOrigin : null;
  const enabled = Boolean(parent && origin);
  let lastHeight = -1;
  let observer = null;
  let greeted = false; // the host's Inset SDK said inset:hello
  const pending = []; // inset:* messages held until then

  function postRaw(message) {
    if (!enabled) return false;
    try {
      parent.postMessage(message, origin);
      return true;
    } catch {
      return false;
    }
  }

  function accepted(event) {
    if (event.source !== parent || event.origin !== origin) return null;
    const data = event.data;
    if (data === null || typeof data !== "object" || typeof data.type !== "string") return null;
    return data;
  }

  function post(type, payload = {}) {
    const message = { ...payload, type, version: PROTOCOL_VERSION };
    if (greeted) return postRaw(message);
    if (!enabled) return false;
    if (type === "inset:resize") {
      const i = pending.findIndex((m) => m.type === "inset:resize");
      if (i >= 0) pending.splice(i, 1);
    }
    pending.push(message);
    if (pending.length > MAX_PENDING) pending.shift();
    return false;
  }

  // Listen for the hello from the start, before the app has loaded.
  if (enabled) {
    win.addEventListener("message", (event) => {
      const data = accepted(event);
      if (!data || data.type !== "inset:hello" || greeted) return;
      if (typeof data.version === "number" && data.version < PROTOCOL_VERSION) return;
      greeted = true;
      for (const message of pending.splice(0)) postRaw(message);
    });
  }

  return {
    enabled,

    /** True once the host page's Inset SDK said inset:hello. */
    get greeted() {
      return greeted;
    },

    /** Post an Inset message {type: "inset:…", version: 1, ...payload} (held until hello). */
    post,

    /** Post a message verbatim (Retool's protocol). */
    postRaw,

    /** A send_to_parent value: inset:event for our SDK, the plain value for Retool's SDKs. */
    sendToParent(value) {
      if (greeted) return post("inset:event", { name: "send_to_parent", data: value });
      return postRaw(value);
    },

    /** Call handler(data) for each accepted message; returns an unsubscribe function. */
    listen(handler) {
      if (!enabled) return () => {};
      const onMessage = (event) => {
        const data = accepted(event);
        if (data && data.type !== "inset:hello") handler(data);
      };
      win.addEventListener("message", onMessage);
      return () => win.removeEventListener("message", onMessage);
    },

    /** Post inset:resize {height} whenever the document's height changes. */
    observeHeight() {
      if (!enabled || observer || typeof ResizeObserver === "undefined") return;
      const el = win.document.documentElement;
      const report = () => {
        const height = Math.ceil(el.getBoundingClientRect().height);
        if (height !== lastHeight) {
          lastHeight = height;
          post("inset:resize", { height });
        }
      };
      observer = new ResizeObserver(report);
      observer.observe(el);
      report();
    },
  };
}
