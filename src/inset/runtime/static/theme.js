// Theme (catalogue THEME: primaryColor, backgroundColor, textColor, fontFamily, radius,
// colorScheme; a few more colors too): a whitelist of keys mapped to CSS variables, set through CSSOM (allowed by the
// CSP's style-src 'self'; no inline style attributes). Unknown keys and invalid values
// are ignored.
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

export function applyTheme(theme, root = document.documentElement) {
  if (!theme || typeof theme !== "object") return;
  for (const [key, [variable, property]] of Object.entries(KEYS)) {
    const value = theme[key];
    if (typeof value !== "string" && typeof value !== "number") continue;
    const css = typeof value === "number" && property === "border-radius" ? `${value}px` : String(value);
    if (css.length > 200 || /[;{}]|url\(/i.test(css)) continue;
    if (typeof CSS !== "undefined" && CSS.supports && !CSS.supports(property, css)) continue;
    root.style.setProperty(variable, css);
  }
  if (theme.colorScheme === "dark" || theme.colorScheme === "light") root.dataset.colorScheme = theme.colorScheme;
  else if (theme.colorScheme === "auto") delete root.dataset.colorScheme;
}
