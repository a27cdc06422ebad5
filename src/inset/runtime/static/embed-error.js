// Script of the "this link can't be used" and "session ended" pages.
//
// Reads <script type="application/json" id="inset-notice">{type, code, message,
// parentOrigin}</script> and tells the host page, so its SDK can mint a fresh embed URL.
// The page text itself is server-rendered. Only {type, version, code, message} is posted,
// and never to "*": to parentOrigin when the server knows it; else (an unusable link has no
// session and so no pinned origin) only in answer to the host SDK's
// {type: "inset:hello"} from window.parent, to the origin that sent it.
(function notifyParent() {
  const el = document.getElementById("inset-notice");
  if (!el) return;
  let notice = null;
  try {
    notice = JSON.parse(el.textContent || "null");
  } catch {
    return;
  }
  el.remove();
  if (!notice || typeof notice !== "object") return;
  if (window.parent === window) return;
  const type = notice.type === "inset:session-expired" ? "inset:session-expired" : "inset:error";
  const message = { type, version: 1, code: String(notice.code || "error"), message: String(notice.message || "") };
  const post = (target) => {
    try {
      window.parent.postMessage(message, target);
    } catch {
      // An invalid target origin must not break the page.
    }
  };
  if (typeof notice.parentOrigin === "string" && notice.parentOrigin) {
    post(notice.parentOrigin);
    return;
  }
  window.addEventListener("message", function onHello(event) {
    const data = event.data;
    if (event.source !== window.parent || !data || data.type !== "inset:hello") return;
    window.removeEventListener("message", onHello);
    post(event.origin);
  });
})();
