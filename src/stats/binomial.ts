import { UsageError } from "../core/index.ts";
import { logGamma } from "./special-functions.ts";

function check(k: number, n: number): void {
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(k)) {
    throw new UsageError("stats.invalid_count", `Binomial counts must be non-negative integers (k=${k}, n=${n}).`);
  }
}

/** P(X = k) for X ~ Binomial(n, p). */
export function binomialPmf(k: number, n: number, p: number): number {
  check(k, n);
  if (k < 0 || k > n) return 0;
  if (p === 0) return k === 0 ? 1 : 0;
  if (p === 1) return k === n ? 1 : 0;
  return Math.exp(
    logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1) + k * Math.log(p) + (n - k) * Math.log(1 - p),
  );
}

/** P(X ≤ k) for X ~ Binomial(n, p). */
export function binomialCdf(k: number, n: number, p: number): number {
  check(k, n);
  if (k < 0) return 0;
  if (k >= n) return 1;
  let sum = 0;
  for (let i = 0; i <= k; i++) sum += binomialPmf(i, n, p);
  return Math.min(1, sum);
}

/**
 * Exact two-sided p-value of observing k successes in n fair trials (p = ½): twice the smaller tail, capped at 1.
 * With p = ½ the distribution is symmetric, so this equals the "sum of outcomes no more likely than k" rule too.
 */
export function binomialTwoSidedP(k: number, n: number): number {
  check(k, n);
  if (n === 0) return 1;
  const tail = binomialCdf(Math.min(k, n - k), n, 0.5);
  return Math.min(1, 2 * tail);
}
