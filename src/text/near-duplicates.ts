import { UsageError } from "../core/index.ts";
import { createNgramEncoder, type EncodedTurn } from "./ngram-encoder.ts";
import { type CjkTokens, tokenize } from "./tokenize.ts";
import { checkWindow } from "./window.ts";

/** Options of the near-duplicate finders. */
export interface NearDuplicateOptions {
  /**
   * Jaccard similarity of shingle sets at or above which two turns are near-duplicates (default 0.5: half of all
   * distinct shingles of the two turns are shared — independent turns share a few percent, while a copy with a
   * word changed in every sentence still shares well over half).
   */
  threshold?: number;
  /** Shingle length in tokens (default 3: word trigrams in English, character trigrams in Chinese). */
  shingleSize?: number;
  /** Compare each turn with only the previous `window` turns (default Infinity: all earlier turns). */
  window?: number;
  /** How Han and kana are tokenized (default "char"; see `tokenize`). */
  cjk?: CjkTokens;
}

/** A pair of near-duplicate turns. */
export interface NearDuplicatePair {
  /** Index of the earlier turn. */
  first: number;
  /** Index of the later turn. */
  second: number;
  /** Jaccard similarity of their shingle sets. */
  similarity: number;
}

/** An earlier turn a new turn nearly duplicates. */
export interface NearDuplicateMatch {
  /** Index of the earlier turn. */
  index: number;
  /** Jaccard similarity. */
  similarity: number;
}

/** An incremental near-duplicate finder over texts. */
export interface NearDuplicateIndex {
  /** Add a turn; returns the earlier turns (in the window) it nearly duplicates, most similar first. */
  add(text: string): NearDuplicateMatch[];
}

/** The same over encoded turns (shingles = n-grams of order `shingleSize` from a shared encoder). */
export interface EncodedNearDuplicateIndex {
  add(turn: EncodedTurn): NearDuplicateMatch[];
}

/** Jaccard similarity |A ∩ B| / |A ∪ B| of two sets (0 for two empty sets). */
export function jaccard<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): number {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let shared = 0;
  for (const x of small) if (large.has(x)) shared++;
  const union = a.size + b.size - shared;
  return union === 0 ? 0 : shared / union;
}

/** Validated near-duplicate settings with defaults. */
export function nearDuplicateSettings(options: NearDuplicateOptions): { threshold: number; k: number; window: number } {
  const threshold = options.threshold ?? 0.5;
  if (!(threshold > 0 && threshold <= 1)) {
    throw new UsageError("text.invalid_threshold", `threshold must be in (0, 1], got ${threshold}.`);
  }
  const k = options.shingleSize ?? 3;
  if (!Number.isInteger(k) || k < 1) {
    throw new UsageError("text.invalid_shingle", `shingleSize must be a positive integer, got ${k}.`);
  }
  return { threshold, k, window: checkWindow(options.window ?? Number.POSITIVE_INFINITY) };
}

/** |a ∩ b| of two ascending id arrays. */
function overlap(a: Int32Array, b: Int32Array): number {
  let i = 0;
  let j = 0;
  let shared = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as number;
    const y = b[j] as number;
    if (x === y) {
      shared++;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return shared;
}

/**
 * Streaming near-duplicate detection by exact Jaccard similarity of token-shingle sets (w-shingling, Broder et al.
 * 1997), with exact prefix filtering for the candidates (Bayardo, Ma & Srikant 2007): fix a global order of
 * shingles; if J(x, y) ≥ t then |x ∩ y| ≥ ⌈t·|x|⌉ and ≥ ⌈t·|y|⌉, so the first shared shingle in that order lies
 * within the first |x| − ⌈t·|x|⌉ + 1 shingles of x and likewise of y. Only those prefixes are indexed and probed;
 * each candidate that also passes the size filter (t·|y| ≤ |x| ≤ |y|/t) is verified by merging the two sorted
 * sets. The order is the encoder's id, descending: ids are issued at first sight, so recently new — rarer — shingles
 * come first and the posting lists probed stay short, while common shingles (in every turn) sit at the end and are
 * rarely probed. Exact: no pair at or above the threshold is missed, and no MinHash sampling error.
 * A turn shorter than the shingle size has no shingles and never matches.
 */
export function createEncodedNearDuplicateIndex(
  shingleSize: number,
  threshold: number,
  window: number,
): EncodedNearDuplicateIndex {
  const postings: number[][] = [];
  const heads: number[] = [];
  const sets: Array<Int32Array | undefined> = [];
  const prefixes: Array<Int32Array | undefined> = [];
  let seen = new Int32Array(64).fill(-1);
  let oldest = 0;
  return {
    add(turn) {
      const index = sets.length;
      // Distinct shingles, ascending; the prefix is the tail (the largest ids) of that order.
      const distinct = turn.distinct[shingleSize - 1];
      const own = distinct ? Int32Array.from(distinct.ids).sort() : new Int32Array(0);
      const prefixLength = own.length === 0 ? 0 : own.length - Math.ceil(threshold * own.length) + 1;
      const prefix = own.subarray(own.length - prefixLength);
      if (seen.length < index + 1) {
        const grown = new Int32Array(Math.max(index + 1, seen.length * 2)).fill(-1);
        grown.set(seen);
        seen = grown;
      }
      const matches: NearDuplicateMatch[] = [];
      for (const id of prefix) {
        const list = postings[id];
        if (!list) continue;
        for (let p = heads[id] as number; p < list.length; p++) {
          const t = list[p] as number;
          if (seen[t] === index) continue;
          seen[t] = index;
          const other = sets[t] as Int32Array;
          if (threshold * other.length > own.length || threshold * own.length > other.length) continue;
          const shared = overlap(own, other);
          const similarity = shared / (own.length + other.length - shared);
          if (similarity >= threshold) matches.push({ index: t, similarity });
        }
      }
      matches.sort((a, b) => b.similarity - a.similarity || a.index - b.index);
      for (const id of prefix) {
        const list = postings[id];
        if (list) list.push(index);
        else {
          postings[id] = [index];
          heads[id] = 0;
        }
      }
      sets.push(own);
      prefixes.push(prefix);
      while (index - oldest + 1 > window) {
        // The evicted turn is the oldest live entry of each of its prefix shingles' lists: advance past it.
        for (const id of prefixes[oldest] as Int32Array) {
          const list = postings[id] as number[];
          const head = (heads[id] as number) + 1;
          if (head === list.length) {
            list.length = 0;
            heads[id] = 0;
          } else if (head > 32 && head * 2 > list.length) {
            list.splice(0, head);
            heads[id] = 0;
          } else heads[id] = head;
        }
        sets[oldest] = undefined;
        prefixes[oldest] = undefined;
        oldest++;
      }
      return matches;
    },
  };
}

/** Streaming near-duplicate detection over texts (see `createEncodedNearDuplicateIndex` for the method). */
export function createNearDuplicateIndex(options: NearDuplicateOptions = {}): NearDuplicateIndex {
  const { threshold, k, window } = nearDuplicateSettings(options);
  const encoder = createNgramEncoder(k);
  const index = createEncodedNearDuplicateIndex(k, threshold, window);
  const cjk = options.cjk ?? "char";
  return {
    add: (text) => index.add(cjk === "char" ? encoder.encodeText(text) : encoder.encodeTokens(tokenize(text, { cjk }))),
  };
}

/** All pairs of near-duplicate turns in a transcript. */
export function nearDuplicates(turns: readonly string[], options: NearDuplicateOptions = {}): NearDuplicatePair[] {
  const index = createNearDuplicateIndex(options);
  const pairs: NearDuplicatePair[] = [];
  turns.forEach((text, second) => {
    for (const m of index.add(text)) pairs.push({ first: m.index, second, similarity: m.similarity });
  });
  return pairs;
}
