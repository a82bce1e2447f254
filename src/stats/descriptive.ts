import { UsageError } from "../core/index.ts";

/** Arithmetic mean; NaN for an empty list. */
export function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] as number;
  return values.length === 0 ? Number.NaN : sum / values.length;
}

/** Sample variance (divisor n − 1); NaN below two values. */
export function variance(values: ArrayLike<number>): number {
  const n = values.length;
  if (n < 2) return Number.NaN;
  const m = mean(values);
  let ss = 0;
  for (let i = 0; i < n; i++) ss += ((values[i] as number) - m) ** 2;
  return ss / (n - 1);
}

/** Sample standard deviation (divisor n − 1). */
export function standardDeviation(values: ArrayLike<number>): number {
  return Math.sqrt(variance(values));
}

/**
 * Quantile of already sorted values by linear interpolation between order statistics (Hyndman & Fan type 7, the
 * default of R and NumPy), so intervals match what users get from those tools.
 */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  if (!(p >= 0 && p <= 1)) {
    throw new UsageError("stats.invalid_probability", `Quantile probability must be in [0, 1], got ${p}.`);
  }
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  const a = sorted[lo] as number;
  return a + (h - lo) * ((sorted[hi] as number) - a);
}

/** Quantile of unsorted values (type 7; see `quantileSorted`). */
export function quantile(values: ArrayLike<number>, p: number): number {
  return quantileSorted(Float64Array.from(values as ArrayLike<number>).sort(), p);
}
