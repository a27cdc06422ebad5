// htm bound to Preact's h, from the runtime's vendored modules (never copied): tagged
// templates instead of JSX, no build step.
import { h } from "/static/vendor/preact.module.js";
import htm from "/static/vendor/htm.module.js";

export const html = htm.bind(h);
