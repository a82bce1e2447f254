import { Script, scriptCode } from "./script.ts";

const MARK_OR_NUMBER = /[\p{M}\p{N}]/u;

/** Receives the tokens of a text as they are found. */
export interface TokenSink {
  /** A Han or kana character (written without spaces: one token per character). */
  cjk(codePoint: number): void;
  /** A word: letters, digits and combining marks, with inner apostrophes ("don't"); lowercased when asked. */
  word(text: string): void;
}

/** Character class: 0 = separator, 1 = word character, 2 = CJK character, 3 = apostrophe. */
function classify(cp: number): number {
  if (cp < 0x80) {
    if ((cp >= 0x61 && cp <= 0x7a) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x30 && cp <= 0x39)) return 1;
    return cp === 0x27 ? 3 : 0;
  }
  if (cp === 0x2019) return 3;
  if (cp === 0x30fc) return 2; // the prolonged-sound mark belongs to the katakana word it lengthens
  const script = scriptCode(cp);
  if (script === Script.Han || script === Script.Kana) return 2;
  if (script !== Script.None) return 1;
  return MARK_OR_NUMBER.test(String.fromCodePoint(cp)) ? 1 : 0;
}

/**
 * The one definition of a metric token, shared by `tokenize` (strings) and the n-gram encoder (integer ids): a
 * single pass over the code points, no regex on the common path, no per-character strings for CJK.
 */
export function scanTokens(text: string, lowercase: boolean, sink: TokenSink): void {
  const n = text.length;
  let start = -1;
  let i = 0;
  const flush = (end: number): void => {
    if (start >= 0) {
      const w = text.slice(start, end);
      sink.word(lowercase ? w.toLowerCase() : w);
      start = -1;
    }
  };
  while (i < n) {
    let cp = text.charCodeAt(i);
    let width = 1;
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < n) {
      const lo = text.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        cp = ((cp - 0xd800) << 10) + (lo - 0xdc00) + 0x10000;
        width = 2;
      }
    }
    // Fast paths for the bulk of the text: CJK ideographs and lowercase ASCII letters.
    const kind = cp >= 0x4e00 && cp <= 0x9fff ? 2 : cp >= 0x61 && cp <= 0x7a ? 1 : classify(cp);
    if (kind === 1) {
      if (start < 0) start = i;
    } else if (kind === 3 && start >= 0 && i + 1 < n && classify(text.codePointAt(i + 1) as number) === 1) {
      // An apostrophe between word characters stays inside the word.
    } else {
      flush(i);
      if (kind === 2) sink.cjk(cp);
    }
    i += width;
  }
  flush(n);
}
