import { type BleuOptions, type BleuSettings, bleuFromCounts, bleuSettings, closestLength } from "./bleu.ts";
import { createLocalCounter, type LocalCounts } from "./local-counts.ts";
import { createNgramEncoder, type EncodedTurn } from "./ngram-encoder.ts";

/** Self-BLEU of a set of turns. */
export interface SelfBleu {
  /** Mean of the per-turn BLEU scores; NaN with fewer than two turns. Higher means more self-similar. */
  mean: number;
  /** BLEU of each turn against all the others. */
  perSequence: number[];
}

/**
 * Self-BLEU (Zhu et al. 2018, Texygen): each turn is scored with BLEU-4 against all the other turns as references,
 * and the scores are averaged. Exact, in time linear in the total number of n-grams rather than quadratic in the
 * number of turns: the clip count of an n-gram is its largest count in any *other* turn, which is the largest
 * count overall unless this turn holds it — then the second largest. So one pass records, per n-gram, the top two
 * counts and the owner of the top one.
 */
export function selfBleu(sequences: readonly (readonly string[])[], options: BleuOptions = {}): SelfBleu {
  const settings = bleuSettings(options);
  const encoder = createNgramEncoder(settings.maxN);
  const turns = sequences.map((s) => encoder.encodeTokens(s));
  return selfBleuEncoded(
    turns,
    Array.from({ length: settings.maxN }, (_, k) => encoder.size(k + 1)),
    settings,
  );
}

/** Self-BLEU of encoded turns; `sizes[k]` bounds the ids of order k + 1. */
export function selfBleuEncoded(
  turns: readonly EncodedTurn[],
  sizes: readonly number[],
  settings: BleuSettings,
): SelfBleu {
  const T = turns.length;
  if (T < 2) return { mean: Number.NaN, perSequence: T === 1 ? [Number.NaN] : [] };
  const clipped = Array.from({ length: T }, () => new Float64Array(settings.maxN));
  const totals = Array.from({ length: T }, () => new Float64Array(settings.maxN));
  const counter = createLocalCounter();
  for (let k = 0; k < settings.maxN; k++) {
    // Per id, three adjacent int32s — largest count, second largest, owner of the largest + 1 (0 = none yet) — so
    // the random access by id touches one cache line instead of three.
    const top = new Int32Array((sizes[k] as number) * 3);
    const local = turns.map((turn) => turn.distinct[k] ?? counter.count(turn.grams[k] as Int32Array));
    for (let t = 0; t < T; t++) {
      const { ids, counts } = local[t] as LocalCounts;
      for (let i = 0; i < ids.length; i++) {
        const j = (ids[i] as number) * 3;
        const c = counts[i] as number;
        if (c > (top[j] as number)) {
          top[j + 1] = top[j] as number;
          top[j] = c;
          top[j + 2] = t + 1;
        } else if (c > (top[j + 1] as number)) top[j + 1] = c;
      }
    }
    for (let t = 0; t < T; t++) {
      const { ids, counts } = local[t] as LocalCounts;
      let clip = 0;
      let total = 0;
      for (let i = 0; i < ids.length; i++) {
        const j = (ids[i] as number) * 3;
        const c = counts[i] as number;
        const ref = top[j + 2] === t + 1 ? (top[j + 1] as number) : (top[j] as number);
        clip += Math.min(c, ref);
        total += c;
      }
      (clipped[t] as Float64Array)[k] = clip;
      (totals[t] as Float64Array)[k] = total;
    }
  }
  const sortedLengths = turns.map((t) => t.length).sort((a, b) => a - b);
  const perSequence = turns.map((turn, t) =>
    bleuFromCounts(
      clipped[t] as Float64Array,
      totals[t] as Float64Array,
      turn.length,
      closestOtherLength(sortedLengths, turn.length),
      settings,
    ),
  );
  return { mean: perSequence.reduce((a, b) => a + b, 0) / T, perSequence };
}

/** Closest length to c in a sorted list after removing one copy of c itself (the turn's own length). */
function closestOtherLength(sorted: readonly number[], c: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as number) < c) lo = mid + 1;
    else hi = mid;
  }
  // sorted[lo] is the turn's own copy of c; the closest other length is a neighbour (possibly another c).
  const candidates: number[] = [];
  if (lo - 1 >= 0) candidates.push(sorted[lo - 1] as number);
  if (lo + 1 < sorted.length) candidates.push(sorted[lo + 1] as number);
  return closestLength(candidates, c);
}
