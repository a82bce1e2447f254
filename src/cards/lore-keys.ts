import { RE2JS } from "re2js";
import type { RequiredLiteral } from "./regex-literal.ts";

/** A key ready for matching. */
export type CompiledKey =
  | {
      kind: "plain";
      /** The key as written (after macro substitution), for explanations. */
      key: string;
      /** What is searched for: trimmed, lower-cased when case-insensitive. */
      needle: string;
      caseInsensitive: boolean;
      wholeWord: boolean;
      /** Index of the needle in the plain-key index (set when the lore is compiled). */
      pattern: number;
    }
  | {
      kind: "regex";
      key: string;
      /** The compiled RE2 pattern, or undefined when it is invalid (an invalid pattern never matches). */
      re: RE2JS | undefined;
      error?: string;
      /** A substring every match contains, checked before RE2 runs (indexed matcher only). */
      literal?: RequiredLiteral;
      /** The literal's id in the plain-key index. */
      literalPattern?: number;
    };

/**
 * SillyTavern's `/pattern/flags` key form (flags from `gimsuy`; an unescaped `/` inside ends the pattern, so such a
 * key is plain text). Returns undefined when the key is not in that form.
 */
export function parseSlashRegex(key: string): { pattern: string; flags: string } | undefined {
  const m = /^\/([\s\S]+?)\/([gimsuy]*)$/.exec(key);
  if (!m) return undefined;
  const pattern = m[1] as string;
  if (/(^|[^\\])\//.test(pattern)) return undefined;
  return { pattern: pattern.replace(/\\\//g, "/"), flags: m[2] as string };
}

/**
 * Compile a regular expression with RE2 (linear time: no pattern can hang the engine, however it is written).
 * JavaScript-only syntax that RE2 lacks (look-around, back-references) is reported as an error; the key then never
 * matches, which is what the V3 spec asks for invalid patterns.
 */
export function compileRegex(pattern: string, flags: string): { re?: RE2JS; error?: string } {
  let f = 0;
  if (flags.includes("i")) f |= RE2JS.CASE_INSENSITIVE;
  if (flags.includes("s")) f |= RE2JS.DOTALL;
  if (flags.includes("m")) f |= RE2JS.MULTILINE;
  try {
    return { re: RE2JS.compile(pattern, f) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** Find the first match of a regex key in a text: `[start, end)` in UTF-16 offsets, or undefined. */
export function regexFind(re: RE2JS, text: string): [number, number] | undefined {
  const m = re.matcher(text);
  return m.find() ? [m.start(), m.end()] : undefined;
}
