import DOMPurify from "dompurify";
import { Marked } from "marked";

// Model output, cards and imports are untrusted. marked does not sanitize, so every rendering goes through
// DOMPurify with the strict configuration of serving-and-app.md §4.5: the HTML profile only (no SVG or MathML), no
// forms or controls (a one-click same-site POST), no images or media (trackers that leak IP and reading time), no
// style, class or id attributes (messages cannot borrow or clobber the app's own), links only to http(s) and mailto.
const marked = new Marked({ gfm: true, breaks: true, async: false });

const CONFIG = {
  USE_PROFILES: { html: true },
  FORBID_TAGS: [
    "style",
    "form",
    "input",
    "button",
    "textarea",
    "select",
    "option",
    "img",
    "picture",
    "source",
    "video",
    "audio",
    "track",
    "iframe",
    "object",
    "embed",
    "link",
    "meta",
    "base",
    "svg",
    "math",
  ],
  FORBID_ATTR: ["style", "class", "id", "srcset", "action", "formaction"],
  ALLOWED_URI_REGEXP: /^(?:https?:|mailto:)/i,
  ALLOW_DATA_ATTR: false,
};

let hooked = false;

/** Links leave the app in a new tab that cannot reach back (window.opener) nor learn where it came from. */
function hookLinks(): void {
  if (hooked) return;
  hooked = true;
  DOMPurify.addHook("afterSanitizeAttributes", (node) => {
    if (node.tagName === "A") {
      if (!node.getAttribute("href")) node.removeAttribute("target");
      else {
        node.setAttribute("target", "_blank");
        node.setAttribute("rel", "noopener noreferrer nofollow");
      }
    }
  });
}

/** Markdown to sanitized HTML, safe to place with innerHTML. */
export function renderMarkdown(text: string): string {
  hookLinks();
  const html = marked.parse(text) as string;
  return DOMPurify.sanitize(html, CONFIG) as unknown as string;
}
