// Theme (catalogue THEME in src/inset/apps/components.py): a whitelist of keys mapped to
// CSS variables, set through CSSOM (allowed by the CSP's style-src 'self'; no inline style
// attributes), plus colorScheme (data-color-scheme) and density (data-density). The app's
// theme is applied at load; the host page may change it at run time (inset:theme, the SDK's
// setTheme): each call merges into the current theme. Unknown keys and invalid values are
// ignored.
//
// Page colours (background, surface, text, muted, border) are meant for the scheme they
// were picked for: with colorScheme auto or light they apply to the light scheme only, so a
// user whose system is dark still gets the readable built-in dark palette; with colorScheme
// dark they apply as given.
const KEYS = {
  primaryColor: ["--inset-primary", "color"],
  backgroundColor: ["--inset-bg", "color"],
  surfaceColor: ["--inset-surface", "color"],
  textColor: ["--inset-text", "color"],
  mutedColor: ["--inset-muted", "color"],
  borderColor: ["--inset-border", "color"],
  dangerColor: ["--inset-danger", "color"],
  radius: ["--inset-radius", "border-radius"],
  fontFamily: ["--inset-font", "font-family"],
};
const PAGE_COLORS = new Set(["backgroundColor", "surfaceColor", "textColor", "mutedColor", "borderColor"]);
const SCHEMES = ["light", "dark", "auto"];
const DENSITIES = ["compact", "normal", "comfortable"];

let current = {};
let watching = null;

function cssValue(value, property) {
  if (typeof value !== "string" && typeof value !== "number") return null;
  const css = typeof value === "number" && property === "border-radius" ? `${value}px` : String(value);
  if (css.length > 200 || /[;{}]|url\(/i.test(css)) return null;
  if (typeof CSS !== "undefined" && CSS.supports && !CSS.supports(property, css)) return null;
  return css;
}

function systemDark() {
  return typeof matchMedia === "function" && matchMedia("(prefers-color-scheme: dark)").matches;
}

function render(root) {
  const scheme = SCHEMES.includes(current.colorScheme) ? current.colorScheme : "auto";
  const dark = scheme === "dark" || (scheme === "auto" && systemDark());
  for (const [key, [variable, property]] of Object.entries(KEYS)) {
    const skip = dark && scheme !== "dark" && PAGE_COLORS.has(key);
    const css = skip ? null : cssValue(current[key], property);
    if (css === null) root.style.removeProperty(variable);
    else root.style.setProperty(variable, css);
  }
  if (scheme === "auto") delete root.dataset.colorScheme;
  else root.dataset.colorScheme = scheme;
  if (DENSITIES.includes(current.density) && current.density !== "normal") root.dataset.density = current.density;
  else delete root.dataset.density;
}

/** Merge `theme` into the current theme and apply it to `root`. */
export function applyTheme(theme, root = document.documentElement) {
  if (!theme || typeof theme !== "object") return;
  const next = { ...current };
  for (const [key, value] of Object.entries(theme)) {
    const valid = KEYS[key] ? cssValue(value, KEYS[key][1]) !== null
      : key === "colorScheme" ? SCHEMES.includes(value)
        : key === "density" ? DENSITIES.includes(value) : false;
    if (valid) next[key] = value;
  }
  current = next;
  render(root);
  if (!watching && typeof matchMedia === "function") {
    watching = matchMedia("(prefers-color-scheme: dark)");
    watching.addEventListener?.("change", () => render(root));
  }
}
