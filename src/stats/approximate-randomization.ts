import { UsageError } from "../core/index.ts";
import { checkPaired } from "./paired-bootstrap.ts";
import { type RandomSource, toRng } from "./random-source.ts";

/** Options of `approximateRandomization`. */
export interface RandomizationOptions {
  /** Seed or generator for the Monte Carlo draws (unused when the test is exact). */
  seed: RandomSource;
  /** Monte Carlo shuffles (default 10 000). */
  resamples?: number;
  /**
   * Enumerate all 2ⁿ swaps instead of sampling: `true`, `false`, or `"auto"` (default) = exact when 2ⁿ ≤ resamples,
   * i.e. whenever enumeration is no more work than sampling.
   */
  exact?: boolean | "auto";
  /** Statistic of the two systems' per-item scores (default: mean(a) − mean(b)). */
  statistic?: (a: readonly number[], b: readonly number[]) => number;
}

/** The result of a paired randomization test. */
export interface RandomizationResult {
  /** The statistic on the observed pairing. */
  statistic: number;
  /** Two-sided p-value: share of swap patterns whose |statistic| reaches the observed |statistic|. */
  pValue: number;
  /** Whether all 2ⁿ swap patterns were enumerated. */
  exact: boolean;
  /** Number of swap patterns evaluated (2ⁿ when exact). */
  resamples: number;
}

const MAX_EXACT_ITEMS = 24;

/**
 * Paired approximate randomization (Noreen 1989; Riezler & Maxwell 2005), a.k.a. the paired permutation test: under
 * "no difference", each item's two scores are exchangeable, so swap each pair with probability ½ and see how often
 * the statistic is at least as extreme as observed. Monte Carlo p = (1 + hits) / (1 + R); exact p = hits / 2ⁿ
 * (Fisher 1935 §21).
 */
export function approximateRandomization(
  a: readonly number[],
  b: readonly number[],
  options: RandomizationOptions,
): RandomizationResult {
  checkPaired(a, b);
  const resamples = options.resamples ?? 10_000;
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new UsageError("stats.invalid_resamples", `resamples must be a positive integer, got ${resamples}.`);
  }
  const n = a.length;
  const exact = options.exact === true || (options.exact !== false && n <= MAX_EXACT_ITEMS && 2 ** n <= resamples);
  if (exact && n > MAX_EXACT_ITEMS) {
    throw new UsageError("stats.too_many_for_exact", `An exact test over ${n} pairs needs 2^${n} evaluations.`, {
      hint: `Use exact: false (Monte Carlo) for more than ${MAX_EXACT_ITEMS} pairs.`,
    });
  }
  const custom = options.statistic;
  const observed = custom ? custom(a, b) : meanDifference(a, b);
  const threshold = Math.abs(observed) - 1e-9 * Math.max(1, Math.abs(observed));
  let hits = 0;
  if (!custom) {
    // For the mean difference a swap just flips the sign of that pair's difference.
    const diff = a.map((x, i) => x - (b[i] as number));
    if (exact) {
      // Gray code: consecutive patterns differ by one sign, so each costs O(1).
      const signs = new Int8Array(n).fill(1);
      let sum = diff.reduce((s, d) => s + d, 0);
      const total = 2 ** n;
      for (let g = 0; g < total; g++) {
        if (g > 0) {
          const bit = 31 - Math.clz32(g & -g);
          signs[bit] = -(signs[bit] as number) as 1 | -1;
          sum += 2 * (signs[bit] as number) * (diff[bit] as number);
        }
        if (Math.abs(sum / n) >= threshold) hits++;
      }
      return { statistic: observed, pValue: hits / total, exact: true, resamples: total };
    }
    const rng = toRng(options.seed);
    for (let r = 0; r < resamples; r++) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += rng.next() < 0.5 ? (diff[i] as number) : -(diff[i] as number);
      if (Math.abs(sum / n) >= threshold) hits++;
    }
    return { statistic: observed, pValue: (1 + hits) / (1 + resamples), exact: false, resamples };
  }
  const x = [...a];
  const y = [...b];
  const evaluate = (swap: (i: number) => boolean): boolean => {
    for (let i = 0; i < n; i++) {
      const s = swap(i);
      x[i] = s ? (b[i] as number) : (a[i] as number);
      y[i] = s ? (a[i] as number) : (b[i] as number);
    }
    return Math.abs(custom(x, y)) >= threshold;
  };
  if (exact) {
    const total = 2 ** n;
    for (let g = 0; g < total; g++) if (evaluate((i) => ((g >>> i) & 1) === 1)) hits++;
    return { statistic: observed, pValue: hits / total, exact: true, resamples: total };
  }
  const rng = toRng(options.seed);
  for (let r = 0; r < resamples; r++) if (evaluate(() => rng.next() < 0.5)) hits++;
  return { statistic: observed, pValue: (1 + hits) / (1 + resamples), exact: false, resamples };
}

function meanDifference(a: readonly number[], b: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) - (b[i] as number);
  return sum / a.length;
}
