import { codePointProps, MARK_OR_NUMBER, SCRIPT_MASK } from "./code-point-props.ts";
import { ensureInt32 } from "./int-buffer.ts";
import { Script } from "./script-ranges.ts";

/**
 * The tokens of one text as offsets, in a buffer reused from text to text: token i is `text.slice(start[i],
 * end[i])`. `flags[i]` says how to read it (CJK, NON_ASCII). Offsets instead of strings let the n-gram encoder
 * look words up without allocating a string per word.
 */
export interface TokenSpans {
  count: number;
  start: Int32Array;
  end: Int32Array;
  flags: Uint8Array;
}

/** Flag: a Han or kana character (one token per character, never lowercased). */
export const CJK = 1;
/** Flag: a word with a code unit ≥ 0x80 (lowercasing it needs `toLowerCase`, not the ASCII rule). */
export const NON_ASCII = 2;

/** An empty span buffer (it grows as needed). */
export function createTokenSpans(): TokenSpans {
  return { count: 0, start: new Int32Array(128), end: new Int32Array(128), flags: new Uint8Array(128) };
}

// Token class of each ASCII character: 1 = word character, 3 = apostrophe, 0 = separator.
const ASCII_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const letterOrDigit = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39);
  ASCII_CLASS[c] = letterOrDigit ? 1 : c === 0x27 ? 3 : 0;
}

/** Character class: 0 = separator, 1 = word character, 2 = CJK character, 3 = apostrophe. */
function classify(cp: number): number {
  if (cp < 0x80) return ASCII_CLASS[cp] as number;
  if (cp === 0x2019) return 3;
  if (cp === 0x30fc) return 2; // the prolonged-sound mark belongs to the katakana word it lengthens
  const props = codePointProps(cp);
  const script = props & SCRIPT_MASK;
  if (script === Script.Han || script === Script.Kana) return 2;
  // Letters of every other script, and digits and combining marks, make words.
  return script !== Script.None || (props & MARK_OR_NUMBER) !== 0 ? 1 : 0;
}

function push(out: TokenSpans, start: number, end: number, flags: number): void {
  const i = out.count;
  if (i === out.start.length) {
    out.start = ensureInt32(out.start, i + 1);
    out.end = ensureInt32(out.end, i + 1);
    const grown = new Uint8Array(out.start.length);
    grown.set(out.flags);
    out.flags = grown;
  }
  out.start[i] = start;
  out.end[i] = end;
  out.flags[i] = flags;
  out.count = i + 1;
}

/**
 * The one definition of a metric token, shared by `tokenize` (strings) and the n-gram encoder (integer ids): words
 * are runs of letters, digits and combining marks with inner apostrophes ("don't"); each Han or kana character is
 * a token; everything else separates. One pass over the code units into `out` (reset first), no regex and no
 * strings.
 */
export function scanTokens(text: string, out: TokenSpans): TokenSpans {
  out.count = 0;
  const n = text.length;
  let start = -1;
  let flags = 0;
  let i = 0;
  while (i < n) {
    let cp = text.charCodeAt(i);
    // Fast path for the bulk of English text.
    if (cp >= 0x61 && cp <= 0x7a) {
      if (start < 0) {
        start = i;
        flags = 0;
      }
      i++;
      continue;
    }
    let width = 1;
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < n) {
      const lo = text.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        cp = ((cp - 0xd800) << 10) + (lo - 0xdc00) + 0x10000;
        width = 2;
      }
    }
    const kind = cp >= 0x4e00 && cp <= 0x9fff ? 2 : classify(cp);
    if (kind === 1) {
      if (start < 0) {
        start = i;
        flags = 0;
      }
      if (cp >= 0x80) flags = NON_ASCII;
    } else if (kind === 3 && start >= 0 && i + 1 < n && classify(text.codePointAt(i + 1) as number) === 1) {
      // An apostrophe between word characters stays inside the word.
      if (cp >= 0x80) flags = NON_ASCII;
    } else {
      if (start >= 0) {
        push(out, start, i, flags);
        start = -1;
      }
      if (kind === 2) push(out, i, i + width, CJK);
    }
    i += width;
  }
  if (start >= 0) push(out, start, n, flags);
  return out;
}
