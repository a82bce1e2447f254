import { ensureInt32 } from "./int-buffer.ts";
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

/** ASCII lowercase of one code unit (other code units unchanged). */
function lower(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 32 : c;
}

/**
 * The interning of a transcript's tokens without a string per token. A token is kept as a span of a string that
 * exists anyway — the turn it first appeared in — plus whether it reads lowercased by the ASCII rule; its string is
 * built only when asked for (quotes, repeated n-grams). A single code unit (every common Han character, a
 * one-letter word) indexes a paged table by its code; a longer ASCII word is hashed and compared, lowercased as it
 * is read, straight from the text; only words with other characters are sliced and lowercased with
 * `toLowerCase`. A `Map` keyed by sliced, lowercased strings was a tenth of the detectors' time on English, and a
 * string per new token most of what a turn allocated.
 */
export function createTokenVocabulary(): TokenVocabulary {
  // Token id → where its text is: sources[id].slice(bounds[2·id], bounds[2·id + 1]), ASCII-lowercased if lowered[id].
  // Arrays keep their length across clear() (entries at and above `size` are stale): regrowing them for every
  // transcript was most of what a reused analyser allocated.
  const sources: string[] = [];
  const texts: Array<string | undefined> = []; // built on first request, then kept
  let size = 0;
  let bounds: Int32Array = new Int32Array(512);
  let lowered = new Uint8Array(256);
  // Single code units: id + 1 by code, in 256-entry pages allocated on first use (0 = not seen).
  const pages: Array<Int32Array | undefined> = new Array(256);
  // Longer tokens: open addressing, two int32s per slot — the hash and id + 1 (0 = empty).
  let slots = new Int32Array(512);
  let mask = slots.length / 2 - 1;
  let hashed = 0;

  const add = (source: string, start: number, end: number, lowercase: boolean): number => {
    const id = size++;
    if (id < sources.length) {
      sources[id] = source;
      texts[id] = undefined;
    } else {
      sources.push(source);
      texts.push(undefined);
    }
    if (2 * id + 2 > bounds.length) bounds = ensureInt32(bounds, 2 * id + 2);
    if (id >= lowered.length) {
      const grown = new Uint8Array(lowered.length * 2);
      grown.set(lowered);
      lowered = grown;
    }
    bounds[2 * id] = start;
    bounds[2 * id + 1] = end;
    lowered[id] = lowercase ? 1 : 0;
    return id;
  };
  /** The id of a one-code-unit token, or −1. */
  const unitId = (unit: number): number => {
    const page = pages[unit >> 8];
    return page ? (page[unit & 0xff] as number) - 1 : -1;
  };
  const addUnit = (unit: number, id: number): number => {
    let page = pages[unit >> 8];
    if (!page) {
      page = new Int32Array(256);
      pages[unit >> 8] = page;
    }
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
  /** Record token `id` under hash `h` at the empty slot `k`. */
  const insert = (k: number, h: number, id: number): number => {
    slots[k * 2] = h;
    slots[k * 2 + 1] = id + 1;
    if (++hashed * 2 > mask + 1) grow();
    return id;
  };
  /**
   * Whether token `id` reads `text[start, start + length)`, both sides read as the token would be (the query
   * ASCII-lowercased when `lowerQuery`, the stored span when it was stored lowered).
   */
  const same = (id: number, text: string, start: number, length: number, lowerQuery: boolean): boolean => {
    const from = bounds[2 * id] as number;
    if ((bounds[2 * id + 1] as number) - from !== length) return false;
    const source = sources[id] as string;
    const lowerStored = lowered[id] === 1;
    for (let j = 0; j < length; j++) {
      let a = text.charCodeAt(start + j);
      let b = source.charCodeAt(from + j);
      if (lowerQuery) a = lower(a);
      if (lowerStored) b = lower(b);
      if (a !== b) return false;
    }
    return true;
  };
  /** A token given as a whole string (verbatim). */
  const ofString = (token: string): number => {
    if (token.length === 1) {
      const unit = token.charCodeAt(0);
      const id = unitId(unit);
      return id >= 0 ? id : addUnit(unit, add(token, 0, 1, false));
    }
    const h = hashString(token);
    let k = h & mask;
    for (;;) {
      const id1 = slots[k * 2 + 1] as number;
      if (id1 === 0) return insert(k, h, add(token, 0, token.length, false));
      if (slots[k * 2] === h && same(id1 - 1, token, 0, token.length, false)) return id1 - 1;
      k = (k + 1) & mask;
    }
  };
  /** An ASCII word `text[start, end)` of two or more characters, lowercased by the ASCII rule as it is read. */
  const ofAsciiWord = (text: string, start: number, end: number): number => {
    let h = 0x811c9dc5;
    for (let j = start; j < end; j++) h = Math.imul(h ^ lower(text.charCodeAt(j)), 0x01000193);
    h = finish(h);
    let k = h & mask;
    for (;;) {
      const id1 = slots[k * 2 + 1] as number;
      if (id1 === 0) return insert(k, h, add(text, start, end, true));
      if (slots[k * 2] === h && same(id1 - 1, text, start, end - start, true)) return id1 - 1;
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
        const unit = flags === CJK ? text.charCodeAt(start) : lower(text.charCodeAt(start));
        const id = unitId(unit);
        return id >= 0 ? id : addUnit(unit, add(text, start, end, flags !== CJK));
      }
      if (flags === CJK) return ofString(text.slice(start, end));
      if (flags === NON_ASCII) return ofString(text.slice(start, end).toLowerCase());
      return ofAsciiWord(text, start, end);
    },
    ofToken: ofString,
    text(id) {
      let token = texts[id];
      if (token === undefined) {
        token = (sources[id] as string).slice(bounds[2 * id], bounds[2 * id + 1]);
        if (lowered[id] === 1) token = token.toLowerCase();
        texts[id] = token;
      }
      return token;
    },
    get size() {
      return size;
    },
    clear() {
      for (const page of pages) page?.fill(0);
      if (hashed > 0) slots.fill(0);
      hashed = 0;
      size = 0;
    },
  };
}
