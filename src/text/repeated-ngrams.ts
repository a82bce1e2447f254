import { ensureInt32 } from "./int-buffer.ts";
import { createNgramEncoder, type EncodedTurn, type NgramEncoder } from "./ngram-encoder.ts";
import { checkN, ngramCounts, ngrams, ngramTokens } from "./ngrams.ts";
import { checkWindow } from "./window.ts";

/**
 * Within one sequence, the share of n-gram occurrences that repeat an earlier occurrence — Welleck et al.'s (2019)
 * seq-rep-n, which equals 1 − distinct-n of that sequence. NaN when the sequence has no n-grams.
 */
export function repeatedNgramRate(tokens: readonly string[], n: number): number {
  const grams = ngrams(tokens, n);
  if (grams.length === 0) return Number.NaN;
  return 1 - new Set(grams).size / grams.length;
}

/** An n-gram that occurs more than once. */
export interface RepeatedNgram {
  /** Its tokens. */
  tokens: string[];
  /** How many times it occurs. */
  count: number;
}

/** The n-grams occurring at least `minCount` times (default 2), most frequent first — the quotes for a flag. */
export function repeatedNgrams(tokens: readonly string[], n: number, minCount = 2): RepeatedNgram[] {
  return [...ngramCounts(tokens, n)]
    .filter(([, c]) => c >= minCount)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([key, count]) => ({ tokens: ngramTokens(key), count }));
}

/** What a new turn repeats from the recent history. */
export interface HistoryOverlap {
  /** Share of this turn's n-gram occurrences already seen in the window; NaN when the turn has no n-grams. */
  rate: number;
  /** The distinct n-grams of this turn that were seen in the window, in order of first appearance. */
  repeated: string[][];
}

/** A rolling record of the n-grams of the last `window` turns. */
export interface NgramHistory {
  /** Measure what `tokens` repeats from the window, then add them to it. */
  push(tokens: readonly string[]): HistoryOverlap;
}

/** The same over encoded turns from a shared encoder. */
export interface EncodedNgramHistory {
  push(turn: EncodedTurn): HistoryOverlap;
  /** Forget every turn (with the encoder's reset), keeping the memory. */
  reset(): void;
}

/** Windowed repeat tracking over encoded turns: window counts live in a typed array indexed by n-gram id. */
export function createEncodedNgramHistory(encoder: NgramEncoder, n: number, window: number): EncodedNgramHistory {
  let counts: Int32Array = new Int32Array(64);
  let mark: Int32Array = new Int32Array(64);
  let turnNo = 0;
  const turns: Int32Array[] = [];
  return {
    push(turn) {
      const grams = turn.grams[n - 1] as Int32Array; // owned by the turn, never mutated: safe to keep
      if (turnNo === 0x7fffffff) {
        mark.fill(0); // marks are int32: start over rather than wrap
        turnNo = 0;
      }
      turnNo++;
      const size = encoder.size(n);
      counts = ensureInt32(counts, size);
      mark = ensureInt32(mark, size);
      let seen = 0;
      const repeated: string[][] = [];
      for (let i = 0; i < grams.length; i++) {
        const id = grams[i] as number;
        if ((counts[id] as number) > 0) {
          seen++;
          if (mark[id] !== turnNo) {
            mark[id] = turnNo;
            repeated.push(encoder.tokensOf(n, id));
          }
        }
      }
      for (let i = 0; i < grams.length; i++) counts[grams[i] as number]! += 1;
      turns.push(grams);
      if (turns.length > window) {
        const old = turns.shift() as Int32Array;
        for (let i = 0; i < old.length; i++) counts[old[i] as number]! -= 1;
      }
      return { rate: grams.length === 0 ? Number.NaN : seen / grams.length, repeated };
    },
    reset() {
      // Taking the window's turns back out leaves every count at zero (turnNo keeps counting, so marks stay valid).
      for (const grams of turns) for (let i = 0; i < grams.length; i++) counts[grams[i] as number]! -= 1;
      turns.length = 0;
    },
  };
}

/**
 * Cross-turn repetition: for each new turn, the share of its n-grams that already occurred in the previous
 * `window` turns (default 20), with the repeated n-grams for quoting. O(the turn's n-grams) whatever the window
 * size; catches loops and stock phrases that recur turn after turn, which within-turn rates miss.
 */
export function createNgramHistory(options: { n?: number; window?: number } = {}): NgramHistory {
  const n = options.n ?? 3;
  checkN(n);
  const encoder = createNgramEncoder(n);
  const history = createEncodedNgramHistory(encoder, n, checkWindow(options.window ?? 20));
  return { push: (tokens) => history.push(encoder.encodeTokens(tokens)) };
}
