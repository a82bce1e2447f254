import { renderMarkdown } from "./render-markdown.ts";

const MAX = 2000;
const cache = new Map<string, string>();

/** renderMarkdown, remembered per text: a virtual list re-mounts rows while scrolling and must not re-parse them. */
export function cachedMarkdown(text: string): string {
  const hit = cache.get(text);
  if (hit !== undefined) {
    cache.delete(text);
    cache.set(text, hit);
    return hit;
  }
  const html = renderMarkdown(text);
  cache.set(text, html);
  if (cache.size > MAX) cache.delete(cache.keys().next().value as string);
  return html;
}
