import { codePointProps, SYMBOL_OR_OTHER } from "./code-point-props.ts";

/** Signals of garbled output, for the "garbled text" detector to threshold. */
export interface GarbleSignals {
  /** Code points counted (whitespace excluded). */
  chars: number;
  /** U+FFFD replacement characters: bytes that were not valid UTF-8 somewhere upstream. */
  replacementChars: number;
  /** Control characters other than tab, newline and carriage return. */
  controlChars: number;
  /** Private-use code points (U+E000–U+F8FF), which no font or tokenizer should emit in prose. */
  privateUse: number;
  /** Typical mojibake pairs: UTF-8 read as Latin-1/Windows-1252, e.g. "Ã©" for "é", "å¤§" for "大". */
  mojibake: number;
  /** Longest run of one repeated character ("!!!!!!!", "啊啊啊啊啊啊啊"). */
  longestCharRun: number;
  /** Longest run of Latin letters without a space (run-together or random letters: "asdkjhqwe…"). */
  longestLatinRun: number;
  /** Longest run of ASCII consonant letters, y counted as a vowel ("xkcdzvbnm"): no English word or pinyin has 8. */
  longestConsonantRun: number;
  /** Share of the counted characters that are symbols (\p{S}) or other non-text (\p{C}), emoji included. */
  symbolRatio: number;
}

// Per ASCII character: what each signal needs to know, so the common case is one table read.
const LATIN = 1;
const SPACE = 2; // breaks a character run and is not counted
const CONTROL = 4; // counted as a control character and as a symbol
const SYMBOL = 8; // \p{S}: $ + < = > ^ ` | ~
const CONSONANT = 16; // an ASCII consonant letter, y counted as a vowel
const ASCII = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  const letter = /[A-Za-z]/.test(ch);
  ASCII[c] =
    (letter ? LATIN : 0) |
    (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 ? SPACE : 0) |
    ((c < 0x20 || c === 0x7f) && !(c === 0x0a || c === 0x0d || c === 0x09) ? CONTROL : 0) |
    ("$+<=>^`|~".includes(ch) ? SYMBOL : 0) |
    (letter && !"aeiouyAEIOUY".includes(ch) ? CONSONANT : 0);
}
// A lead byte of a 2–4-byte UTF-8 sequence (Â–ô) followed by a continuation byte (0x80–0xBF) as Latin-1 shows
// them, or Windows-1252's readings of 0x80–0x9F.
const MOJIBAKE =
  /[\u00C2-\u00F4][\u0080-\u00BF\u20AC\u201A\u0192\u201E\u2026\u2020\u2021\u02C6\u2030\u0160\u2039\u0152\u017D\u2018\u2019\u201C\u201D\u2022\u2013\u2014\u02DC\u2122\u0161\u203A\u0153\u017E\u0178]/gu;

/**
 * Count signals of garbled text in one pass (plus one regex for mojibake, only when a mojibake lead character
 * occurs). ASCII characters are classified by a table and everything else by the BMP property table, so no
 * character costs a regex test.
 */
export function garbleSignals(text: string): GarbleSignals {
  let chars = 0;
  let replacementChars = 0;
  let controlChars = 0;
  let privateUse = 0;
  let symbols = 0;
  let longestCharRun = 0;
  let run = 0;
  let previous = -1;
  let longestLatinRun = 0;
  let latinRun = 0;
  let longestConsonantRun = 0;
  let consonantRun = 0;
  let mojibakeLead = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    let cp = text.charCodeAt(i);
    if (cp < 0x80) {
      const f = ASCII[cp] as number;
      run = cp === previous ? run + 1 : 1;
      previous = cp;
      if (run > longestCharRun) longestCharRun = run;
      if ((f & LATIN) !== 0) {
        if (++latinRun > longestLatinRun) longestLatinRun = latinRun;
      } else latinRun = 0;
      if ((f & CONSONANT) !== 0) {
        if (++consonantRun > longestConsonantRun) longestConsonantRun = consonantRun;
      } else consonantRun = 0;
      if ((f & SPACE) !== 0) {
        run = 0;
        continue;
      }
      chars++;
      if ((f & CONTROL) !== 0) {
        controlChars++;
        symbols++;
      } else if ((f & SYMBOL) !== 0) symbols++;
      continue;
    }
    consonantRun = 0;
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < n) {
      const lo = text.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        cp = ((cp - 0xd800) << 10) + (lo - 0xdc00) + 0x10000;
        i++;
      }
    }
    run = cp === previous ? run + 1 : 1;
    previous = cp;
    if (run > longestCharRun) longestCharRun = run;
    if (cp >= 0xc0 && cp <= 0x24f && cp !== 0xd7 && cp !== 0xf7) {
      if (++latinRun > longestLatinRun) longestLatinRun = latinRun;
    } else latinRun = 0;
    if (cp === 0x3000) {
      run = 0;
      continue;
    }
    chars++;
    // CJK ideographs, kana, Hangul and CJK punctuation are the bulk of zh/ja text: nothing more to check.
    if ((cp >= 0x3000 && cp <= 0x9fff) || (cp >= 0xac00 && cp <= 0xd7af) || (cp >= 0xff01 && cp <= 0xff5e)) continue;
    if (cp >= 0xc2 && cp <= 0xf4) mojibakeLead = true;
    if (cp === 0xfffd) replacementChars++;
    else if (cp >= 0xe000 && cp <= 0xf8ff) privateUse++;
    if ((cp >= 0x80 && cp <= 0x9f) || (cp >= 0x200b && cp <= 0x200f && cp !== 0x200d)) controlChars++;
    if ((codePointProps(cp) & SYMBOL_OR_OTHER) !== 0) symbols++;
  }
  return {
    chars,
    replacementChars,
    controlChars,
    privateUse,
    mojibake: mojibakeLead ? (text.match(MOJIBAKE)?.length ?? 0) : 0,
    longestCharRun,
    longestLatinRun,
    longestConsonantRun,
    symbolRatio: chars === 0 ? 0 : symbols / chars,
  };
}
