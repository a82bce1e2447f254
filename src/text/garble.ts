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
  /** Share of the counted characters that are symbols (\p{S}) or other non-text (\p{C}), emoji included. */
  symbolRatio: number;
}

const SYMBOL_OR_OTHER = /[\p{S}\p{C}]/u;
// The ASCII characters in \p{S}: $ + < = > ^ ` | ~
const ASCII_SYMBOL = new Uint8Array(128);
for (const c of "$+<=>^`|~") ASCII_SYMBOL[c.charCodeAt(0)] = 1;
// A lead byte of a 2–4-byte UTF-8 sequence (Â–ô) followed by a continuation byte (0x80–0xBF) as Latin-1 shows
// them, or Windows-1252's readings of 0x80–0x9F.
const MOJIBAKE =
  /[\u00C2-\u00F4][\u0080-\u00BF\u20AC\u201A\u0192\u201E\u2026\u2020\u2021\u02C6\u2030\u0160\u2039\u0152\u017D\u2018\u2019\u201C\u201D\u2022\u2013\u2014\u02DC\u2122\u0161\u203A\u0153\u017E\u0178]/gu;

/** Count signals of garbled text in one pass (plus one regex for mojibake). */
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
  let mojibakeLead = false;
  for (let i = 0; i < text.length; i++) {
    const cp = text.codePointAt(i) as number;
    if (cp > 0xffff) i++;
    run = cp === previous ? run + 1 : 1;
    previous = cp;
    if (run > longestCharRun) longestCharRun = run;
    const latin =
      (cp >= 0x41 && cp <= 0x5a) ||
      (cp >= 0x61 && cp <= 0x7a) ||
      (cp >= 0xc0 && cp <= 0x24f && cp !== 0xd7 && cp !== 0xf7);
    latinRun = latin ? latinRun + 1 : 0;
    if (latinRun > longestLatinRun) longestLatinRun = latinRun;
    if (cp === 0x20 || cp === 0x0a || cp === 0x0d || cp === 0x09 || cp === 0x3000) {
      run = 0;
      continue;
    }
    chars++;
    if (cp < 0x80) {
      if (cp < 0x20 || cp === 0x7f) {
        controlChars++;
        symbols++;
      } else if (ASCII_SYMBOL[cp] === 1) {
        symbols++;
      }
      continue;
    }
    // CJK ideographs, kana, Hangul and CJK punctuation are the bulk of zh/ja text: skip the regex for them.
    if ((cp >= 0x3000 && cp <= 0x9fff) || (cp >= 0xac00 && cp <= 0xd7af) || (cp >= 0xff01 && cp <= 0xff5e)) continue;
    if (cp >= 0xc2 && cp <= 0xf4) mojibakeLead = true;
    if (cp === 0xfffd) replacementChars++;
    else if (cp >= 0xe000 && cp <= 0xf8ff) privateUse++;
    if ((cp >= 0x80 && cp <= 0x9f) || (cp >= 0x200b && cp <= 0x200f && cp !== 0x200d)) controlChars++;
    if (SYMBOL_OR_OTHER.test(String.fromCodePoint(cp))) symbols++;
  }
  return {
    chars,
    replacementChars,
    controlChars,
    privateUse,
    mojibake: mojibakeLead ? (text.match(MOJIBAKE)?.length ?? 0) : 0,
    longestCharRun,
    longestLatinRun,
    symbolRatio: chars === 0 ? 0 : symbols / chars,
  };
}
