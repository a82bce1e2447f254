import { UsageError } from "../core/index.ts";
import { betaIncomplete } from "./special-functions.ts";

/** Student t cumulative distribution P(T ≤ t) with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  if (!(df > 0)) throw new UsageError("stats.invalid_df", `Degrees of freedom must be positive, got ${df}.`);
  const tail = 0.5 * betaIncomplete(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** Two-sided p-value of a t statistic. */
export function studentTTwoSidedP(t: number, df: number): number {
  if (!(df > 0)) throw new UsageError("stats.invalid_df", `Degrees of freedom must be positive, got ${df}.`);
  return betaIncomplete(df / (df + t * t), df / 2, 0.5);
}

/** Student t quantile: the t with P(T ≤ t) = p (bisection on the CDF; 200 halvings reach double precision). */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new UsageError("stats.invalid_probability", `t quantile needs p in (0, 1), got ${p}.`);
  if (p === 0.5) return 0;
  let lo = -1;
  let hi = 1;
  while (studentTCdf(lo, df) > p) lo *= 2;
  while (studentTCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-15 * Math.max(1, Math.abs(lo)); i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
