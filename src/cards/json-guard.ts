import { CardError } from "./card-error.ts";
import type { ReadLimits } from "./read-limits.ts";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Decode UTF-8 strictly (a BOM is dropped); invalid bytes are an error, never silently replaced. */
export function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    const text = utf8.decode(bytes);
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch (cause) {
    throw new CardError("card.invalid_utf8", `${what} is not valid UTF-8 text`, {
      hint: "Re-save the file as UTF-8 (card JSON must be UTF-8 by the spec).",
      cause,
    });
  }
}

/** The deepest nesting of arrays/objects in JSON text, stopping as soon as `limit` is passed (strings are skipped). */
export function jsonDepth(text: string, limit: number): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

/**
 * Parse untrusted JSON text: size and nesting are checked first, so a hostile file is refused before the parser
 * (and every recursive walk after it) sees it.
 */
export function parseJsonText(text: string, limits: ReadLimits, what: string): unknown {
  if (text.length > limits.maxJsonBytes) {
    throw new CardError(
      "card.json.too_large",
      `${what} is ${text.length} characters, over the ${limits.maxJsonBytes} limit`,
      {
        hint: "This is far larger than any real card or lorebook; check that it is the right file.",
      },
    );
  }
  const depth = jsonDepth(text, limits.maxJsonDepth);
  if (depth > limits.maxJsonDepth) {
    throw new CardError("card.json.too_deep", `${what} nests more than ${limits.maxJsonDepth} levels deep`, {
      hint: "Real cards nest a few levels; this file is malformed or hostile.",
    });
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new CardError("card.json.invalid", `${what} is not valid JSON: ${(cause as Error).message}`, {
      hint: "Open it in an editor that validates JSON, or re-export it from the app that made it.",
      cause,
    });
  }
}

/** A plain JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
