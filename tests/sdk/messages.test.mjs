// createMessenger (src/inset/runtime/static/messages.js) with a fake window: Inset messages
// wait for the host SDK's hello, Retool's messages never do, and nothing goes to "*".
import { test } from "node:test";
import assert from "node:assert/strict";
import { createMessenger } from "../../src/inset/runtime/static/messages.js";

const HOST = "https://host.example";

function fakeWindow() {
  const posts = [];
  const listeners = [];
  const parent = { postMessage: (message, target) => posts.push({ message, target }) };
  const win = {
    parent,
    addEventListener: (type, fn) => type === "message" && listeners.push(fn),
    removeEventListener: (type, fn) => listeners.splice(listeners.indexOf(fn), 1),
    deliver: (data, { source = parent, origin = HOST } = {}) => {
      for (const fn of [...listeners]) fn({ data, source, origin });
    },
  };
  return { win, posts, parent };
}

test("inset messages are held until hello, then flushed with only the latest resize", () => {
  const { win, posts } = fakeWindow();
  const m = createMessenger(HOST, win);
  m.post("inset:resize", { height: 100 });
  m.post("inset:resize", { height: 200 });
  m.post("inset:ready", { page: "home" });
  m.postRaw({ type: "PARENT_WINDOW_QUERY", selector: "c", id: "1" });
  m.sendToParent({ picked: 1 });
  assert.deepEqual(posts.map((p) => p.message.type), ["PARENT_WINDOW_QUERY", undefined]);
  assert.deepEqual(posts[1].message, { picked: 1 }); // Retool's plain value
  assert.equal(m.greeted, false);

  win.deliver({ type: "inset:hello", version: 1 });
  assert.equal(m.greeted, true);
  assert.deepEqual(posts.slice(2).map((p) => p.message), [
    { height: 200, type: "inset:resize", version: 1 },
    { page: "home", type: "inset:ready", version: 1 },
  ]);
  m.sendToParent({ picked: 2 });
  assert.deepEqual(posts.at(-1).message, {
    name: "send_to_parent", data: { picked: 2 }, type: "inset:event", version: 1,
  });
  assert.ok(posts.every((p) => p.target === HOST));
});

test("a hello from another window or origin is ignored, and so are its messages", () => {
  const { win, posts } = fakeWindow();
  const m = createMessenger(HOST, win);
  const seen = [];
  m.listen((data) => seen.push(data.type));
  win.deliver({ type: "inset:hello", version: 1 }, { source: {} });
  win.deliver({ type: "inset:hello", version: 1 }, { origin: "https://evil.example" });
  win.deliver({ type: "inset:data", data: { c: 1 } }, { source: {} });
  win.deliver({ type: "inset:data", data: { c: 1 } }, { origin: "https://evil.example" });
  m.post("inset:ready");
  assert.equal(m.greeted, false);
  assert.deepEqual(posts, []);
  assert.deepEqual(seen, []);
  win.deliver({ type: "inset:data", data: { c: 2 } });
  assert.deepEqual(seen, ["inset:data"]);
});

test("without a pinned origin nothing is posted, not even to '*'", () => {
  const { win, posts } = fakeWindow();
  const m = createMessenger(null, win);
  m.post("inset:ready");
  m.postRaw({ type: "PARENT_WINDOW_QUERY" });
  m.sendToParent("x");
  win.deliver({ type: "inset:hello", version: 1 });
  assert.equal(m.enabled, false);
  assert.deepEqual(posts, []);
});
