import type { Rng } from "../core/index.ts";

/** The order k candidates are shown in, and the probability the policy had of showing that order. */
export interface DisplayOrder {
  /** `order[generationIndex]` = displayed position of the candidate generated as `generationIndex`. */
  order: number[];
  randomized: boolean;
  /** P(this order) = share/k! + (1 − share)·[order is the identity]: what an estimator of position bias needs. */
  propensity: number;
}

function factorial(k: number): number {
  let f = 1;
  for (let i = 2; i <= k; i++) f *= i;
  return f;
}

/** The probability of showing `order` when a share of requests shows a uniformly random permutation. */
export function orderPropensity(order: readonly number[], share: number): number {
  const identity = order.every((p, i) => p === i);
  return share / factorial(order.length) + (1 - share) * (identity ? 1 : 0);
}

/**
 * Choose the displayed order of k candidates: on `share` of requests a uniform random permutation (Fisher–Yates
 * with the seeded source), otherwise generation order. One candidate is always shown first, with propensity 1.
 */
export function chooseDisplayOrder(k: number, share: number, rng: Rng): DisplayOrder {
  const identity = Array.from({ length: k }, (_, i) => i);
  if (k <= 1) return { order: identity, randomized: false, propensity: 1 };
  const s = Math.min(1, Math.max(0, share));
  if (s === 0 || rng.next() >= s)
    return { order: identity, randomized: false, propensity: orderPropensity(identity, s) };
  const order = [...identity];
  for (let i = k - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return { order, randomized: true, propensity: orderPropensity(order, s) };
}
