// postMessage with the host page (DESIGN §6).
//
// Posts go only to the session's pinned parent origin (boot.parentOrigin), never "*".
// When the session has no pinned origin (parentOrigin null), the runtime posts nothing
// and accepts nothing: without a known origin there is no safe target. (The error pages
// for unusable embed links are the one exception, see embed-error.js; they carry no data.)
// Incoming messages are accepted only when event.source is window.parent and
// event.origin is the pinned origin.

export const PROTOCOL_VERSION = 1;

export function createMessenger(parentOrigin, win = window) {
  const parent = win.parent && win.parent !== win ? win.parent : null;
  const origin = typeof parentOrigin === "string" && parentOrigin ? parentOrigin : null;
  const enabled = Boolean(parent && origin);
  let lastHeight = -1;
  let observer = null;

  function postRaw(message) {
    if (!enabled) return false;
    try {
      parent.postMessage(message, origin);
      return true;
    } catch {
      return false;
    }
  }

  return {
    enabled,

    /** Post an Inset message {type: "inset:…", version: 1, ...payload}. */
    post(type, payload = {}) {
      return postRaw({ ...payload, type, version: PROTOCOL_VERSION });
    },

    /** Post a message verbatim (Retool's protocol, send_to_parent values). */
    postRaw,

    /** Call handler(data) for each accepted message; returns an unsubscribe function. */
    listen(handler) {
      if (!enabled) return () => {};
      const onMessage = (event) => {
        if (event.source !== parent || event.origin !== origin) return;
        const data = event.data;
        if (data === null || typeof data !== "object" || typeof data.type !== "string") return;
        handler(data);
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
          this.post("inset:resize", { height });
        }
      };
      observer = new ResizeObserver(report);
      observer.observe(el);
      report();
    },
  };
}
