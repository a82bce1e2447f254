import { scriptCodeByRange } from "./script-ranges.ts";

/** Bits 0–3 of a property word: the script code (see `Script`). */
export const SCRIPT_MASK = 0x0f;
/** A combining mark or a number (\p{M}, \p{N}): part of a word for the tokenizer. */
export const MARK_OR_NUMBER = 0x10;
/** A symbol or "other" character (\p{S}, \p{C}: controls, format, private use, unassigned, surrogates, emoji). */
export const SYMBOL_OR_OTHER = 0x20;
/** A letter (\p{L}). */
export const LETTER = 0x40;

const MARK_OR_NUMBER_RE = /[\p{M}\p{N}]/u;
const SYMBOL_OR_OTHER_RE = /[\p{S}\p{C}]/u;
const LETTER_RE = /\p{L}/u;

/** The property word of any code point, computed from the regexes and the script ranges (slow: a few regex tests). */
export function computeProps(cp: number): number {
  const ch = String.fromCodePoint(cp);
  return (
    scriptCodeByRange(cp) |
    (MARK_OR_NUMBER_RE.test(ch) ? MARK_OR_NUMBER : 0) |
    (SYMBOL_OR_OTHER_RE.test(ch) ? SYMBOL_OR_OTHER : 0) |
    (LETTER_RE.test(ch) ? LETTER : 0)
  );
}

// The BMP table, filled one 256-code-point block at a time on first use: a text touches a handful of blocks, so a
// process pays for those (about 0.1 ms each) instead of 65 536 regex tests up front.
const table = new Uint8Array(0x10000);
const ready = new Uint8Array(0x100);

function fillBlock(block: number): void {
  const start = block << 8;
  for (let cp = start; cp < start + 0x100; cp++) table[cp] = computeProps(cp);
  ready[block] = 1;
}

/**
 * The property word of a BMP code point (0–0xFFFF; a lone surrogate is its own code point here) from the table:
 * the per-character regex tests of the script, tokenizer and garble rules cost more than everything else those
 * scans do, so they run once per code point per process instead.
 */
export function bmpProps(cp: number): number {
  if (ready[cp >> 8] === 0) fillBlock(cp >> 8);
  return table[cp] as number;
}

/** The property word of any code point: the table for the BMP, computed for astral code points. */
export function codePointProps(cp: number): number {
  return cp < 0x10000 ? bmpProps(cp) : computeProps(cp);
}
