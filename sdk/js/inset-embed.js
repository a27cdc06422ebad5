/*! @inset/embed 0.1.0 | Apache-2.0 | host-page SDK for Inset embeds (docs/embedding.md) */
// One file, no dependencies, no build step: a CommonJS module for bundlers (index.mjs is
// the ES-module entry) and, loaded with <script src=".../sdk/inset-embed.js">, the global
// `Inset`. The Inset server serves this very file at /sdk/inset-embed.js.
//
// Security rules (DESIGN §6): messages are accepted only from the iframe's window and the
// embed URL's origin, and posted only to that origin, never "*".
(function (root, factory) {
  if (typeof module === "object" && module && module.exports) module.exports = factory();
  else root.Inset = factory();
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  var VERSION = "0.1.0";
  var PROTOCOL_VERSION = 1;
  // inset:error codes that mean "this link or session is spent: mint a fresh one".
  var REMINT_CODES = [
    "embed_url_used",
    "embed_url_expired",
    "session_expired",
    "session_revoked",
    "invalid_session",
  ];
  var MAX_REMINTS = 3; // per REMINT_WINDOW_MS, so a broken backend cannot loop forever
  var REMINT_WINDOW_MS = 60000;

  function isObject(value) {
    return value !== null && typeof value === "object";
  }

  function report(callback, arg) {
    if (typeof callback !== "function") return;
    try {
      callback(arg);
    } catch (err) {
      setTimeout(function () {
        throw err;
      });
    }
  }

  /**
   * Embed an Inset app in `container` (an element or a CSS selector).
   * options: {getEmbedUrl({page, reason}) -> url | Promise<url>, data, theme, page,
   *           onEvent(event), onError(error), autoHeight = true, minHeight, height, title}
   * Returns {iframe, setData, setTheme, navigate, reload, destroy}.
   */
  function embed(container, options) {
    var el = typeof container === "string" ? document.querySelector(container) : container;
    if (!el || typeof el.appendChild !== "function") {
      throw new TypeError("Inset.embed: container must be an element or a selector that finds one");
    }
    var opts = options || {};
    if (typeof opts.getEmbedUrl !== "function") {
      throw new TypeError("Inset.embed: options.getEmbedUrl must be a function returning the embed URL");
    }
    var autoHeight = opts.autoHeight !== false;
    var data = isObject(opts.data) ? Object.assign({}, opts.data) : {};
    var theme = isObject(opts.theme) ? opts.theme : null;
    var page = typeof opts.page === "string" ? opts.page : null;
    var origin = null; // the embed URL's origin: the only one we talk to
    var ready = false;
    var destroyed = false;
    var generation = 0;
    var remints = [];
    var watchers = {}; // PARENT_WINDOW_QUERY id -> {selector, pageName}

    var iframe = document.createElement("iframe");
    iframe.title = typeof opts.title === "string" ? opts.title : "Inset app";
    iframe.setAttribute("allow", "clipboard-write");
    iframe.style.border = "0";
    iframe.style.width = "100%";
    iframe.style.display = "block";
    iframe.style.height = autoHeight
      ? String(Number(opts.minHeight) > 0 ? Number(opts.minHeight) : 150) + "px"
      : typeof opts.height === "string" ? opts.height : "600px";
    el.appendChild(iframe);

    function post(message) {
      if (!origin || !iframe.contentWindow) return;
      iframe.contentWindow.postMessage(message, origin);
    }

    function postInset(type, payload) {
      post(Object.assign({}, payload, { type: type, version: PROTOCOL_VERSION }));
    }

    function hello() {
      postInset("inset:hello", { sdk: "@inset/embed", sdkVersion: VERSION });
    }

    function answer(id, selector, pageName) {
      if (!Object.prototype.hasOwnProperty.call(data, selector)) return;
      post({ type: "PARENT_WINDOW_RESULT", result: data[selector], id: id, pageName: pageName });
    }

    function load(reason) {
      var mine = ++generation;
      ready = false;
      watchers = {};
      var result;
      try {
        result = opts.getEmbedUrl({ page: page, reason: reason || "initial" });
      } catch (err) {
        result = Promise.reject(err);
      }
      Promise.resolve(result).then(
        function (url) {
          if (destroyed || mine !== generation) return;
          var parsed;
          try {
            parsed = new URL(String(url), window.location.href);
          } catch (err) {
            parsed = null;
          }
          if (!parsed || (parsed.protocol !== "https:" && parsed.protocol !== "http:")) {
            report(opts.onError, { code: "invalid_embed_url", message: "getEmbedUrl did not return an http(s) URL." });
            return;
          }
          origin = parsed.origin;
          iframe.src = parsed.href;
        },
        function (err) {
          if (destroyed || mine !== generation) return;
          report(opts.onError, {
            code: "get_embed_url_failed",
            message: (err && err.message) || String(err),
            error: err,
          });
        }
      );
    }

    function remint(reason) {
      var now = Date.now();
      while (remints.length && now - remints[0] > REMINT_WINDOW_MS) remints.shift();
      if (remints.length >= MAX_REMINTS) {
        report(opts.onError, {
          code: "remint_limit",
          message: "The embed URL was refreshed " + MAX_REMINTS + " times within a minute; giving up.",
          reason: reason,
        });
        return;
      }
      remints.push(now);
      load(reason);
    }

    function onMessage(event) {
      if (destroyed || !origin || event.source !== iframe.contentWindow || event.origin !== origin) return;
      var msg = event.data;
      var type = isObject(msg) && typeof msg.type === "string" ? msg.type : null;
      if (type === "PARENT_WINDOW_QUERY") {
        if (!ready) hello(); // in case the load event came before the runtime listened
        watchers[String(msg.id)] = { selector: msg.selector, pageName: msg.pageName };
        answer(msg.id, msg.selector, msg.pageName);
        return;
      }
      if (type === null || type.indexOf("inset:") !== 0) {
        // A send_to_parent value sent before our hello was seen: Retool's plain form.
        report(opts.onEvent, { name: "send_to_parent", data: msg });
        return;
      }
      switch (type) {
        case "inset:ready":
          ready = true;
          if (typeof msg.page === "string") page = msg.page;
          if (theme) postInset("inset:theme", { theme: theme });
          postInset("inset:data", { data: data });
          report(opts.onEvent, { name: "ready", page: page });
          break;
        case "inset:resize":
          if (autoHeight && typeof msg.height === "number" && isFinite(msg.height) && msg.height >= 0) {
            iframe.style.height = Math.ceil(msg.height) + "px";
          }
          break;
        case "inset:navigate":
          if (typeof msg.page === "string") page = msg.page;
          report(opts.onEvent, { name: "navigate", page: page });
          break;
        case "inset:event":
          report(opts.onEvent, { name: String(msg.name), data: msg.data });
          break;
        case "inset:session-expired":
          report(opts.onEvent, { name: "session-expired", reason: msg.reason || "session_expired" });
          remint(msg.reason || "session_expired");
          break;
        case "inset:error":
          if (REMINT_CODES.indexOf(msg.code) >= 0) {
            report(opts.onEvent, { name: "session-expired", reason: msg.code });
            remint(msg.code);
          } else {
            report(opts.onError, { code: String(msg.code || "error"), message: String(msg.message || "") });
          }
          break;
        default:
          break;
      }
    }

    window.addEventListener("message", onMessage);
    iframe.addEventListener("load", hello);
    load("initial");

    return {
      iframe: iframe,
      /** Replace the data parent queries read (Retool's `data`); the app updates. */
      setData: function (next) {
        data = isObject(next) ? Object.assign({}, next) : {};
        if (ready) postInset("inset:data", { data: data });
        else for (var id in watchers) answer(id, watchers[id].selector, watchers[id].pageName);
      },
      setTheme: function (next) {
        theme = isObject(next) ? next : null;
        if (ready && theme) postInset("inset:theme", { theme: theme });
      },
      navigate: function (name) {
        page = String(name);
        if (ready) postInset("inset:navigate", { page: page });
      },
      /** Mint a fresh URL (getEmbedUrl) and reload the app on the current page. */
      reload: function () {
        load("reload");
      },
      destroy: function () {
        destroyed = true;
        window.removeEventListener("message", onMessage);
        iframe.removeEventListener("load", hello);
        if (iframe.parentNode) iframe.parentNode.removeChild(iframe);
      },
    };
  }

  return { embed: embed, version: VERSION, PROTOCOL_VERSION: PROTOCOL_VERSION };
});
