import { UsageError } from "../core/index.ts";
import { ngramCounts } from "./ngrams.ts";

/** BLEU settings. */
export interface BleuOptions {
  /** Highest n-gram order, with uniform weights 1/maxN (default 4: BLEU-4). */
  maxN?: number;
  /**
   * Zero-count smoothing. "epsilon" (default) is NLTK's `SmoothingFunction().method1`: a precision whose clipped
   * count is 0 becomes ε / (hypothesis n-grams), ε = 0.1 — the setting Texygen's self-BLEU uses (Zhu et al. 2018),
   * so values are comparable with published self-BLEU. "none" gives 0 whenever any order has no match.
   */
  smoothing?: "epsilon" | "none";
  /** ε for "epsilon" smoothing (default 0.1). */
  epsilon?: number;
}

/** Resolved BLEU settings. */
export interface BleuSettings {
  maxN: number;
  smoothing: "epsilon" | "none";
  epsilon: number;
}

/** Validated BLEU settings with defaults. */
export function bleuSettings(options: BleuOptions = {}): BleuSettings {
  const maxN = options.maxN ?? 4;
  if (!Number.isInteger(maxN) || maxN < 1) {
    throw new UsageError("text.invalid_n", `BLEU maxN must be a positive integer, got ${maxN}.`);
  }
  const smoothing = options.smoothing ?? "epsilon";
  if (smoothing !== "epsilon" && smoothing !== "none") {
    throw new UsageError("text.invalid_smoothing", `Unknown BLEU smoothing "${String(smoothing)}".`, {
      hint: 'Use "epsilon" (NLTK method1, as Texygen) or "none".',
    });
  }
  return { maxN, smoothing, epsilon: options.epsilon ?? 0.1 };
}

/**
 * BLEU from per-order clipped match counts and hypothesis n-gram counts (Papineni et al. 2002), following NLTK's
 * sentence_bleu: BLEU = BP · exp(Σ ln pₙ / N), pₙ = clipped / max(1, hypothesis n-grams), 0 when no unigram
 * matches; BP = 1 if c > r else exp(1 − r/c), with r the reference length closest to c (ties to the shorter).
 */
export function bleuFromCounts(
  clipped: ArrayLike<number>,
  totals: ArrayLike<number>,
  hypothesisLength: number,
  closestReferenceLength: number,
  settings: BleuSettings,
): number {
  if (hypothesisLength === 0 || (clipped[0] as number) === 0) return 0;
  let logSum = 0;
  for (let k = 0; k < settings.maxN; k++) {
    const denominator = Math.max(1, totals[k] as number);
    const matches = clipped[k] as number;
    if (matches === 0) {
      if (settings.smoothing === "none") return 0;
      logSum += Math.log(settings.epsilon / denominator);
    } else logSum += Math.log(matches / denominator);
  }
  const c = hypothesisLength;
  const r = closestReferenceLength;
  const bp = c > r ? 1 : Math.exp(1 - r / c);
  return bp * Math.exp(logSum / settings.maxN);
}

/** The reference length closest to c; on a tie the shorter one (as NLTK). */
export function closestLength(lengths: Iterable<number>, c: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (const r of lengths) {
    const d = Math.abs(r - c);
    const bd = Math.abs(best - c);
    if (d < bd || (d === bd && r < best)) best = r;
  }
  return best;
}

/** Sentence-level BLEU of a tokenized hypothesis against tokenized references (see `bleuFromCounts`). */
export function sentenceBleu(
  hypothesis: readonly string[],
  references: readonly (readonly string[])[],
  options: BleuOptions = {},
): number {
  const settings = bleuSettings(options);
  if (references.length === 0) {
    throw new UsageError("text.no_references", "BLEU needs at least one reference.");
  }
  const clipped = new Float64Array(settings.maxN);
  const totals = new Float64Array(settings.maxN);
  for (let k = 0; k < settings.maxN; k++) {
    const hyp = ngramCounts(hypothesis, k + 1);
    const refCounts = references.map((r) => ngramCounts(r, k + 1));
    for (const [gram, count] of hyp) {
      let max = 0;
      for (const rc of refCounts) max = Math.max(max, rc.get(gram) ?? 0);
      clipped[k] = (clipped[k] as number) + Math.min(count, max);
      totals[k] = (totals[k] as number) + count;
    }
  }
  return bleuFromCounts(
    clipped,
    totals,
    hypothesis.length,
    closestLength(
      references.map((r) => r.length),
      hypothesis.length,
    ),
    settings,
  );
}
