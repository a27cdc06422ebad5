// Optional enhancements for the demo host page; it works without them.
// - inset:resize {height}: grow the iframe to its content (no inner scrollbar).
// - inset:error / inset:session-expired: tell the user, and offer a fresh portal (a reload
//   makes this product's backend mint a new single-use embed URL).
// Messages are accepted only from the iframe's window and from Inset's origin.

const frame = document.getElementById("inset-frame");
const notice = document.getElementById("frame-notice");

if (frame && frame.dataset.insetOrigin) {
  const insetOrigin = frame.dataset.insetOrigin;
  const MIN_HEIGHT = 320;
  const MAX_HEIGHT = 4000;

  const showNotice = (text) => {
    if (!notice) return;
    notice.textContent = `${text} `;
    const link = document.createElement("a");
    link.href = window.location.pathname + window.location.search;
    link.textContent = "Open the portal again";
    notice.appendChild(link);
    notice.hidden = false;
  };

  // Inset holds its own inset:* messages until the host page says hello (docs/embedding.md).
  const hello = () => frame.contentWindow?.postMessage({ type: "inset:hello", version: 1 }, insetOrigin);
  frame.addEventListener("load", hello);
  hello();

  window.addEventListener("message", (event) => {
    if (event.source !== frame.contentWindow || event.origin !== insetOrigin) return;
    const data = event.data;
    if (data === null || typeof data !== "object" || typeof data.type !== "string") return;
    switch (data.type) {
      case "inset:resize": {
        const height = Number(data.height);
        if (Number.isFinite(height)) {
          frame.style.height = `${Math.min(MAX_HEIGHT, Math.max(MIN_HEIGHT, Math.ceil(height)))}px`;
        }
        break;
      }
      case "inset:session-expired":
        showNotice("Your portal session has ended.");
        break;
      case "inset:error":
        showNotice(`The portal reported an error (${String(data.code || "error")}).`);
        break;
      default:
        break;
    }
  });
}
