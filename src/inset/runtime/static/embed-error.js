// Script of the "this link can't be used" and "session ended" pages.
//
// Reads <script type="application/json" id="inset-notice">{type, code, message,
// parentOrigin}</script> and tells the host page, so its SDK can mint a fresh embed URL.
// The page text itself is server-rendered. Only {type, version, code, message} is posted:
// to parentOrigin when the server knows it, else to "*" (an unusable link has no session
// and so no pinned origin; the message carries nothing sensitive).
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
  const target = typeof notice.parentOrigin === "string" && notice.parentOrigin ? notice.parentOrigin : "*";
  const message = { type, version: 1, code: String(notice.code || "error"), message: String(notice.message || "") };
  try {
    window.parent.postMessage(message, target);
  } catch {
    // An invalid target origin must not break the page.
  }
})();
