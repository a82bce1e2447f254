import { bmpProps, SCRIPT_MASK } from "./code-point-props.ts";
import { Script, scriptCodeByRange } from "./script-ranges.ts";

export { Script } from "./script-ranges.ts";

/** The writing systems the language-mixing and garbled-text detectors tell apart. */
export type ScriptName =
  | "han"
  | "kana"
  | "hangul"
  | "latin"
  | "cyrillic"
  | "greek"
  | "arabic"
  | "hebrew"
  | "devanagari"
  | "thai"
  | "other";

/** Every script name, in a stable order (useful for tables). */
export const SCRIPT_NAMES: readonly ScriptName[] = [
  "han",
  "kana",
  "hangul",
  "latin",
  "cyrillic",
  "greek",
  "arabic",
  "hebrew",
  "devanagari",
  "thai",
  "other",
];

/**
 * The script code of a code point (see `scriptOf`). This runs on every character of every turn: ASCII and the CJK
 * ideographs resolve in a comparison or two, the rest of the BMP from a table built from `scriptCodeByRange` (whose
 * `\p{L}` fallbacks cost a regex per call — CJK punctuation took that path on every comma), astral code points by
 * the ranges.
 */
export function scriptCode(cp: number): Script {
  if (cp < 0x80) return (cp >= 0x61 && cp <= 0x7a) || (cp >= 0x41 && cp <= 0x5a) ? Script.Latin : Script.None;
  if (cp >= 0x4e00 && cp <= 0x9fff) return Script.Han;
  if (cp < 0x10000) return (bmpProps(cp) & SCRIPT_MASK) as Script;
  return scriptCodeByRange(cp);
}

/**
 * The script of a letter's code point, or null for what belongs to no script in particular (digits, punctuation,
 * spaces, symbols, emoji, combining marks).
 */
export function scriptOf(cp: number): ScriptName | null {
  const code = scriptCode(cp);
  return code === Script.None ? null : (SCRIPT_NAMES[code - 1] as ScriptName);
}

/** True for the scripts written without spaces between words, where a "word" needs a segmenter. */
export function isCjkScript(script: ScriptName | null): boolean {
  return script === "han" || script === "kana";
}
