import { type BleuOptions, type BleuSettings, bleuFromCounts, bleuSettings, closestLength } from "./bleu.ts";
import { ensureInt32 } from "./int-buffer.ts";
import type { LocalCounts } from "./local-counts.ts";
import { createNgramEncoder, type EncodedTurn, type NgramEncoder } from "./ngram-encoder.ts";
import { createPairTable, type PairTable } from "./pair-table.ts";
import { checkWindow } from "./window.ts";

/** A rolling self-BLEU: each new turn scored against the previous `window` turns. */
export interface SelfBleuWindow {
  /** Score `tokens` against the turns in the window (NaN for the first turn), then add them to the window. */
  push(tokens: readonly string[]): number;
}

/** The same, over turns from a shared encoder (used by the transcript analyser). */
export interface EncodedSelfBleuWindow {
  push(turn: EncodedTurn): number;
}

/**
 * Per order: for each n-gram id, the multiset of its counts in the window's turns, with the maximum kept current.
 * Count-1 entries (by far the most common) are a typed array; larger counts a pair table keyed (id, count). When
 * the last turn holding the maximum leaves, the new maximum is found by stepping down from the old one — O(count),
 * never a rescan of the window.
 */
interface OrderState {
  max: Int32Array;
  ones: Int32Array;
  pairs: PairTable;
  pairCount: Int32Array;
}

/**
 * Streaming self-BLEU over a sliding window (default 20 turns, one judge chunk) — the form the stagnation detector
 * runs on every turn; `selfBleu` gives the exact all-pairs value of a finished transcript. BLEU clips each n-gram
 * count at its largest count in any reference; the window keeps that maximum per n-gram id (see OrderState), so
 * scoring, adding and evicting a turn all cost O(the turn's own n-grams), independent of the window size.
 */
export function createEncodedSelfBleuWindow(
  settings: BleuSettings,
  window: number,
  encoder: NgramEncoder,
): EncodedSelfBleuWindow {
  const orders = settings.maxN;
  const state: OrderState[] = Array.from({ length: orders }, () => ({
    max: new Int32Array(1024),
    ones: new Int32Array(1024),
    pairs: createPairTable(256),
    pairCount: new Int32Array(256),
  }));
  const history: Array<{ length: number; local: LocalCounts[] }> = [];
  const lengths: number[] = [];
  const clipped = new Float64Array(orders);
  const totals = new Float64Array(orders);
  return {
    push(turn) {
      const local: LocalCounts[] = [];
      for (let k = 0; k < orders; k++) local.push(encoder.counts(turn, k));
      for (let k = 0; k < orders; k++) {
        const { ids, counts } = local[k] as LocalCounts;
        const st = state[k] as OrderState;
        let top = -1;
        for (let i = 0; i < ids.length; i++) if ((ids[i] as number) > top) top = ids[i] as number;
        if (top >= st.max.length) {
          st.max = ensureInt32(st.max, top + 1);
          st.ones = ensureInt32(st.ones, top + 1);
        }
        const max = st.max;
        let clip = 0;
        let total = 0;
        for (let i = 0; i < ids.length; i++) {
          const c = counts[i] as number;
          clip += Math.min(c, max[ids[i] as number] as number);
          total += c;
        }
        clipped[k] = clip;
        totals[k] = total;
      }
      const score =
        history.length === 0
          ? Number.NaN
          : bleuFromCounts(clipped, totals, turn.length, closestLength(lengths, turn.length), settings);
      for (let k = 0; k < orders; k++) {
        const { ids, counts } = local[k] as LocalCounts;
        const st = state[k] as OrderState;
        const { max, ones } = st;
        for (let i = 0; i < ids.length; i++) {
          const id = ids[i] as number;
          const c = counts[i] as number;
          if (c === 1) ones[id] = (ones[id] as number) + 1;
          else {
            const slot = st.pairs.intern(id, c);
            if (slot >= st.pairCount.length) st.pairCount = ensureInt32(st.pairCount, slot + 1);
            st.pairCount[slot] = (st.pairCount[slot] as number) + 1;
          }
          if (c > (max[id] as number)) max[id] = c;
        }
      }
      history.push({ length: turn.length, local });
      lengths.push(turn.length);
      if (history.length > window) {
        const old = history.shift() as (typeof history)[number];
        lengths.shift();
        for (let k = 0; k < orders; k++) {
          const { ids, counts } = old.local[k] as LocalCounts;
          const st = state[k] as OrderState;
          const { max, ones, pairs, pairCount } = st;
          for (let i = 0; i < ids.length; i++) {
            const id = ids[i] as number;
            const c = counts[i] as number;
            let left: number;
            if (c === 1) left = ones[id] = (ones[id] as number) - 1;
            else {
              const slot = pairs.get(id, c);
              left = pairCount[slot] = (pairCount[slot] as number) - 1;
            }
            if (left > 0 || c !== max[id]) continue;
            let next = (ones[id] as number) > 0 ? 1 : 0;
            for (let lower = c - 1; lower >= 2; lower--) {
              const slot = pairs.get(id, lower);
              if (slot >= 0 && (pairCount[slot] as number) > 0) {
                next = lower;
                break;
              }
            }
            max[id] = next;
          }
        }
      }
      return score;
    },
  };
}

/** Streaming self-BLEU over token arrays; see `createEncodedSelfBleuWindow` for the method and its cost. */
export function createSelfBleuWindow(options: BleuOptions & { window?: number } = {}): SelfBleuWindow {
  const settings = bleuSettings(options);
  const encoder = createNgramEncoder(settings.maxN);
  const encoded = createEncodedSelfBleuWindow(settings, checkWindow(options.window ?? 20), encoder);
  return { push: (tokens) => encoded.push(encoder.encodeTokens(tokens)) };
}
