import { CJK, NON_ASCII, type TokenSpans } from "./token-scanner.ts";

/** Dense token ids (0, 1, 2, … in order of first sight) for one transcript's tokens. */
export interface TokenVocabulary {
  /** The id of token `i` of `spans` (a span of `text`), lowercased unless it is a CJK character; adds it if new. */
  ofSpan(text: string, spans: TokenSpans, i: number): number;
  /** The id of a token given as a string, taken verbatim; adds it if new. */
  ofToken(token: string): number;
  /** The token with this id. */
  text(id: number): string;
  /** Number of distinct tokens. */
  readonly size: number;
  /** Forget every token, keeping the memory. */
  clear(): void;
}

// FNV-1a over UTF-16 code units, then murmur3's finaliser so linear probing can use the low bits.
function finish(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let j = 0; j < s.length; j++) h = Math.imul(h ^ s.charCodeAt(j), 0x01000193);
  return finish(h);
}

/**
 * The interning of a transcript's tokens without a string per token. A single code unit (every common Han
 * character, a one-letter word) indexes a paged table by its code; a longer ASCII word is hashed and compared, with
 * the ASCII lowercase rule, straight from the text; only words with other characters are sliced and lowercased with
 * `toLowerCase`. A `Map` keyed by sliced, lowercased strings was a tenth of the detectors' time on English.
 */
export function createTokenVocabulary(): TokenVocabulary {
  const texts: string[] = [];
  // Single code units: id + 1 by code, in 256-entry pages allocated on first use (0 = not seen).
  const pages: Array<Int32Array | undefined> = new Array(256);
  // Longer tokens: open addressing, two int32s per slot — the hash and id + 1 (0 = empty).
  let slots = new Int32Array(512);
  let mask = slots.length / 2 - 1;
  let hashed = 0;

  const add = (token: string): number => {
    texts.push(token);
    return texts.length - 1;
  };
  /** The id of a one-code-unit token, or −1. */
  const unitId = (unit: number): number => {
    const page = pages[unit >> 8];
    return page ? (page[unit & 0xff] as number) - 1 : -1;
  };
  const addUnit = (unit: number, token: string): number => {
    let page = pages[unit >> 8];
    if (!page) {
      page = new Int32Array(256);
      pages[unit >> 8] = page;
    }
    const id = add(token);
    page[unit & 0xff] = id + 1;
    return id;
  };
  const grow = (): void => {
    const old = slots;
    slots = new Int32Array(old.length * 2);
    mask = slots.length / 2 - 1;
    for (let j = 0; j < old.length; j += 2) {
      if (old[j + 1] === 0) continue;
      let k = (old[j] as number) & mask;
      while (slots[k * 2 + 1] !== 0) k = (k + 1) & mask;
      slots[k * 2] = old[j] as number;
      slots[k * 2 + 1] = old[j + 1] as number;
    }
  };
  /** Insert `token` (not present) at the empty slot `k` found for hash `h`. */
  const insert = (k: number, h: number, token: string): number => {
    const id = add(token);
    slots[k * 2] = h;
    slots[k * 2 + 1] = id + 1;
    if (++hashed * 2 > mask + 1) grow();
    return id;
  };
  const ofString = (token: string): number => {
    if (token.length === 1) {
      const id = unitId(token.charCodeAt(0));
      return id >= 0 ? id : addUnit(token.charCodeAt(0), token);
    }
    const h = hashString(token);
    let k = h & mask;
    for (;;) {
      const id1 = slots[k * 2 + 1] as number;
      if (id1 === 0) return insert(k, h, token);
      if (slots[k * 2] === h && texts[id1 - 1] === token) return id1 - 1;
      k = (k + 1) & mask;
    }
  };
  /** An ASCII word `text[start, end)` of two or more characters, lowercased by the ASCII rule as it is read. */
  const ofAsciiWord = (text: string, start: number, end: number): number => {
    let h = 0x811c9dc5;
    for (let j = start; j < end; j++) {
      const c = text.charCodeAt(j);
      h = Math.imul(h ^ (c >= 0x41 && c <= 0x5a ? c + 32 : c), 0x01000193);
    }
    h = finish(h);
    const length = end - start;
    let k = h & mask;
    for (;;) {
      const id1 = slots[k * 2 + 1] as number;
      if (id1 === 0) return insert(k, h, text.slice(start, end).toLowerCase());
      if (slots[k * 2] === h) {
        const known = texts[id1 - 1] as string;
        let same = known.length === length;
        for (let j = 0; same && j < length; j++) {
          const c = text.charCodeAt(start + j);
          same = known.charCodeAt(j) === (c >= 0x41 && c <= 0x5a ? c + 32 : c);
        }
        if (same) return id1 - 1;
      }
      k = (k + 1) & mask;
    }
  };
  return {
    ofSpan(text, spans, i) {
      const start = spans.start[i] as number;
      const end = spans.end[i] as number;
      const flags = spans.flags[i] as number;
      if (end - start === 1 && flags !== NON_ASCII) {
        // A Han character (never lowercased) or a one-letter ASCII word.
        const c = text.charCodeAt(start);
        const unit = flags === CJK || c < 0x41 || c > 0x5a ? c : c + 32;
        const id = unitId(unit);
        return id >= 0 ? id : addUnit(unit, String.fromCharCode(unit));
      }
      if (flags === CJK) return ofString(text.slice(start, end));
      if (flags === NON_ASCII) return ofString(text.slice(start, end).toLowerCase());
      return ofAsciiWord(text, start, end);
    },
    ofToken: ofString,
    text: (id) => texts[id] as string,
    get size() {
      return texts.length;
    },
    clear() {
      for (const page of pages) page?.fill(0);
      if (hashed > 0) slots.fill(0);
      hashed = 0;
      texts.length = 0;
    },
  };
}
