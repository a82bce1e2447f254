import { useEffect, useState } from "preact/hooks";

/** The app's screens, by URL. */
export type Route =
  | { name: "gallery" }
  | { name: "chats" }
  | { name: "character"; id: string }
  | { name: "chat"; id: string; panel: "world" | "settings" | null };

/** The route of a location. */
export function parseRoute(pathname: string, search: string): Route {
  const parts = pathname.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts[0] === "characters" && parts[1]) return { name: "character", id: parts[1] };
  if (parts[0] === "chats" && parts[1]) {
    const panel = new URLSearchParams(search).get("panel");
    return { name: "chat", id: parts[1], panel: panel === "world" || panel === "settings" ? panel : null };
  }
  if (parts[0] === "chats") return { name: "chats" };
  return { name: "gallery" };
}

/** Go to a path inside the app (history entry, no reload). */
export function navigate(path: string, replace = false): void {
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  window.dispatchEvent(new Event("troupe:navigate"));
}

/** The current route, following back/forward and navigate(). */
export function useRoute(): Route {
  const read = () => parseRoute(location.pathname, location.search);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const update = () => setRoute(read());
    window.addEventListener("popstate", update);
    window.addEventListener("troupe:navigate", update);
    return () => {
      window.removeEventListener("popstate", update);
      window.removeEventListener("troupe:navigate", update);
    };
  }, []);
  return route;
}

/** Follow in-app links without a page load (plain <a href> elsewhere). */
export function linkClick(event: MouseEvent, path: string): void {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey)
    return;
  event.preventDefault();
  navigate(path);
}
