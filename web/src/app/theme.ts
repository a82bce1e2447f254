/** Light, dark, or whatever the system prefers. */
export type Theme = "light" | "dark" | "system";

const KEY = "troupe.theme";

/** The saved theme choice. */
export function savedTheme(): Theme {
  const value = localStorage.getItem(KEY);
  return value === "light" || value === "dark" ? value : "system";
}

/** Apply a theme (a data attribute the stylesheet reads; no inline styles under the CSP) and remember it. */
export function applyTheme(theme: Theme): void {
  const dark = theme === "dark" || (theme === "system" && matchMedia("(prefers-color-scheme: dark)").matches);
  document.documentElement.dataset["theme"] = dark ? "dark" : "light";
  if (theme === "system") localStorage.removeItem(KEY);
  else localStorage.setItem(KEY, theme);
}
