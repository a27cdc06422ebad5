// htm bound to Preact's h: tagged templates instead of JSX, no build step.
import { h } from "./vendor/preact.module.js";
import htm from "./vendor/htm.module.js";

export const html = htm.bind(h);
