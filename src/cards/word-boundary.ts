// Whole-word matching, defined for every script.
//
// SillyTavern accepts a single-word key when the characters on both sides of the match are not ASCII word
// characters (`(?:^|\W)key(?:$|\W)`). Two consequences are wrong for most of the world: an accented letter counts as
// a boundary ("caf" matches inside "café"), and in Chinese, Japanese or Thai, which have no spaces, every character
// is a "boundary", so whole-word matching silently means substring matching ("李明" matches inside "李明天").
//
// troupe's definition: a match is a whole word when each of its two edges is a word boundary, where
//  1. the start/end of a message is a boundary;
//  2. if the character outside the match is not a letter, mark, digit or `_` (Unicode-aware), it is a boundary;
//  3. if both characters at the edge (inside and outside the match) belong to scripts written without spaces
//     (Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar), it is a boundary only where Intl.Segmenter's word
//     segmentation (dictionary based for these scripts) puts one: "李明" does not match "李明天来" (李|明天|来) but
//     matches "李明来了";
//  4. if exactly one of the two is in such a script, the script change is a boundary ("GPT" in "GPT模型");
//  5. otherwise (two letters/digits of spaced scripts) it is not a boundary.
// Multi-word keys (containing whitespace) match as substrings, exactly as in SillyTavern.

const WORD = /[\p{L}\p{M}\p{N}_]/u;
const NO_SPACE =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;

const segmenters = new Map<string, Intl.Segmenter>();
function segmenter(locale: string): Intl.Segmenter {
  let s = segmenters.get(locale);
  if (!s) {
    s = new Intl.Segmenter(locale, { granularity: "word" });
    segmenters.set(locale, s);
  }
  return s;
}

/** The code point ending just before `index` (handles surrogate pairs). */
function charBefore(text: string, index: number): string {
  const low = text.charCodeAt(index - 1);
  if (low >= 0xdc00 && low <= 0xdfff && index >= 2) {
    const high = text.charCodeAt(index - 2);
    if (high >= 0xd800 && high <= 0xdbff) return text.slice(index - 2, index);
  }
  return text.slice(index - 1, index);
}

/** The code point starting at `index`. */
function charAt(text: string, index: number): string {
  const cp = text.codePointAt(index);
  return cp === undefined ? "" : String.fromCodePoint(cp);
}

/**
 * Word boundaries of one text (a message or other scanned segment). Segmentation runs lazily, once per text, and
 * only when a match edge falls between two characters of a script without spaces.
 */
export class WordBoundaries {
  private segmentEdges: Set<number> | undefined;

  constructor(
    private readonly text: string,
    private readonly locale: string,
  ) {}

  /** True when the match `[start, end)` of this text is a whole word (see the definition above). */
  isWholeWord(start: number, end: number): boolean {
    return this.isBoundary(start, true) && this.isBoundary(end, false);
  }

  private isBoundary(index: number, atStart: boolean): boolean {
    if (index <= 0 || index >= this.text.length) return true;
    const outside = atStart ? charBefore(this.text, index) : charAt(this.text, index);
    if (!WORD.test(outside)) return true;
    const inside = atStart ? charAt(this.text, index) : charBefore(this.text, index);
    const outsideDense = NO_SPACE.test(outside);
    const insideDense = NO_SPACE.test(inside);
    if (outsideDense && insideDense) return this.segments().has(index);
    return outsideDense !== insideDense;
  }

  private segments(): Set<number> {
    if (!this.segmentEdges) {
      const edges = new Set<number>();
      for (const s of segmenter(this.locale).segment(this.text)) {
        edges.add(s.index);
        edges.add(s.index + s.segment.length);
      }
      this.segmentEdges = edges;
    }
    return this.segmentEdges;
  }
}

/** True when a key is matched as a whole word at all (SillyTavern: only single-word keys are). */
export function isSingleWordKey(key: string): boolean {
  return !/\s/.test(key);
}
