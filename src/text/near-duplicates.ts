import { UsageError } from "../core/index.ts";
import { ensureInt32 } from "./int-buffer.ts";
import { createIntSlab } from "./int-slab.ts";
import { createNgramEncoder, type EncodedTurn } from "./ngram-encoder.ts";
import { sortedOverlap } from "./sorted-overlap.ts";
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
  /** Forget every turn (with the encoder's reset), keeping the memory. */
  reset(): void;
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

/**
 * Streaming near-duplicate detection by exact Jaccard similarity of token-shingle sets (w-shingling, Broder et al.
 * 1997), with exact prefix filtering for the candidates (Bayardo, Ma & Srikant 2007): fix a global order of
 * shingles; if J(x, y) ≥ t then |x ∩ y| ≥ ⌈t·|x|⌉ and ≥ ⌈t·|y|⌉, so the first shared shingle in that order lies
 * within the first |x| − ⌈t·|x|⌉ + 1 shingles of x and likewise of y. Only those prefixes are indexed and probed;
 * each candidate that also passes the size filter (t·|y| ≤ |x| ≤ |y|/t) is verified by merging the two sorted
 * sets. The order is the encoder's id, descending: ids are issued at first sight, so recently new — rarer — shingles
 * come first and the posting lists probed stay short, while common shingles (in every turn) sit at the end and are
 * rarely probed — and shingles new in this turn, which no earlier turn can share, are not probed at all. Exact: no
 * pair at or above the threshold is missed, and no MinHash sampling error. Posting lists are never shortened (a
 * walk stops at the window's edge), so memory grows with the transcript, as the encoder's does.
 * A turn shorter than the shingle size has no shingles and never matches.
 */
export function createEncodedNearDuplicateIndex(
  shingleSize: number,
  threshold: number,
  window: number,
): EncodedNearDuplicateIndex {
  const slab = createIntSlab();
  const sets: Array<Int32Array | undefined> = [];
  // Posting lists as linked lists in typed arrays, newest entry first: head[shingle] = entry + 1 (0 = none),
  // entryTurn/entryNext per entry. A list is walked until its first turn older than the window; a plain array per
  // shingle meant an allocation for nearly every new shingle of every turn.
  let head: Int32Array = new Int32Array(64);
  let entryTurn: Int32Array = new Int32Array(64);
  let entryNext: Int32Array = new Int32Array(64);
  let entries = 0;
  let stamp: Int32Array = new Int32Array(64);
  let seen: Int32Array = new Int32Array(64);
  // One mark per add, never reused (not even after a reset), so the stamp arrays never need clearing.
  let mark = 0;
  let oldest = 0;
  let top = -1; // largest shingle id with a posting list
  return {
    add(turn) {
      const index = sets.length;
      if (mark === 0x7fffffff) {
        // Marks are int32: start over rather than wrap.
        stamp.fill(0);
        seen.fill(0);
        mark = 0;
      }
      mark++;
      const own = distinctAscending(turn, shingleSize - 1);
      const prefixLength = own.length === 0 ? 0 : own.length - Math.ceil(threshold * own.length) + 1;
      const from = own.length - prefixLength;
      const fresh = turn.fresh[shingleSize - 1] ?? 0;
      if (seen.length < index + 1) seen = ensureInt32(seen, index + 1);
      if (head.length < fresh) head = ensureInt32(head, fresh);
      const matches: NearDuplicateMatch[] = [];
      for (let p = from; p < own.length; p++) {
        const id = own[p] as number;
        // A shingle this turn introduced has never been indexed: only older ones can have candidates.
        if (id >= fresh) break;
        for (let e = head[id] as number; e !== 0; e = entryNext[e - 1] as number) {
          const t = entryTurn[e - 1] as number;
          if (t < oldest) break; // the rest of the list is older still
          if (seen[t] === mark) continue;
          seen[t] = mark;
          const other = sets[t] as Int32Array;
          if (threshold * other.length > own.length || threshold * own.length > other.length) continue;
          const shared = sortedOverlap(own, other);
          const similarity = shared / (own.length + other.length - shared);
          if (similarity >= threshold) matches.push({ index: t, similarity });
        }
      }
      matches.sort((a, b) => b.similarity - a.similarity || a.index - b.index);
      const last = own.length === 0 ? -1 : (own[own.length - 1] as number);
      if (head.length <= last) head = ensureInt32(head, last + 1);
      if (last > top) top = last;
      if (entries + prefixLength > entryTurn.length) {
        entryTurn = ensureInt32(entryTurn, entries + prefixLength);
        entryNext = ensureInt32(entryNext, entries + prefixLength);
      }
      for (let p = from; p < own.length; p++) {
        const id = own[p] as number;
        entryTurn[entries] = index;
        entryNext[entries] = head[id] as number;
        head[id] = ++entries;
      }
      sets.push(own);
      while (index - oldest + 1 > window) sets[oldest++] = undefined;
      return matches;
    },
    reset() {
      head.fill(0, 0, top + 1);
      top = -1;
      entries = 0;
      sets.length = 0;
      oldest = 0;
      slab.recycle();
    },
  };

  /** The distinct shingle ids of a turn, ascending, in a view of the slab. */
  function distinctAscending(turn: EncodedTurn, k: number): Int32Array {
    const grams = turn.grams[k];
    if (!grams || grams.length === 0) return new Int32Array(0);
    // Ids the turn issued are fresh, fresh + 1, … in order of first sight, so they are already a sorted, distinct
    // run above every older id; only the older ids need de-duplicating and sorting.
    const fresh = turn.fresh[k] as number;
    if (stamp.length < fresh) stamp = ensureInt32(stamp, fresh);
    const base = slab.reserve(grams.length);
    const out = slab.buffer;
    let old = 0;
    let newest = fresh - 1;
    for (let i = 0; i < grams.length; i++) {
      const id = grams[i] as number;
      if (id >= fresh) {
        if (id > newest) newest = id;
      } else if (stamp[id] !== mark) {
        stamp[id] = mark;
        out[base + old++] = id;
      }
    }
    sortRange(out, base, base + old);
    for (let id = fresh; id <= newest; id++) out[base + old + id - fresh] = id;
    return slab.commit(old + newest - fresh + 1);
  }
}

/** Sorts `a[from, to)` ascending: insertion sort for the usual handful, the built-in sort beyond. */
function sortRange(a: Int32Array, from: number, to: number): void {
  if (to - from > 24) {
    a.subarray(from, to).sort();
    return;
  }
  for (let i = from + 1; i < to; i++) {
    const x = a[i] as number;
    let j = i - 1;
    while (j >= from && (a[j] as number) > x) {
      a[j + 1] = a[j] as number;
      j--;
    }
    a[j + 1] = x;
  }
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
