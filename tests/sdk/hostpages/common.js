// Shared by the test host pages: record every message this page receives, and mint embed
// URLs through this host product's backend (/mint), as a real host page would.
window.allMsgs = [];
window.addEventListener("message", (event) => {
  const frames = [...document.querySelectorAll("iframe")];
  window.allMsgs.push({ origin: event.origin, frame: frames.indexOf(event.source), data: event.data });
});
window.params = new URLSearchParams(location.search);
// ?minutes=N: a short session for the first mint only (the expiry test).
window.mint = async function mint(user, supplier, page, reason) {
  const q = new URLSearchParams({ user, supplier, mode: params.get("mode") || "cookieless" });
  if (page) q.set("page", page);
  if (params.get("minutes") && reason === "initial") q.set("minutes", params.get("minutes"));
  const response = await fetch("/mint?" + q);
  if (!response.ok) throw new Error(await response.text());
  return (await response.json()).embedUrl;
};
