import { UsageError } from "../core/index.ts";
import { checkConfidence, type Interval } from "./interval.ts";
import { normalQuantile } from "./normal.ts";

/** Options of `wilsonInterval`. */
export interface WilsonOptions {
  /** Two-sided confidence (default 0.95). */
  confidence?: number;
  /** Apply the continuity correction (Newcombe 1998, method 4). Default false (method 3). */
  continuityCorrection?: boolean;
}

/**
 * Wilson score interval for a binomial proportion (Wilson 1927; Newcombe 1998 methods 3 and 4). Unlike the Wald
 * interval it stays inside [0, 1] and behaves at 0/n and n/n, which is where judge flag rates usually live.
 */
export function wilsonInterval(successes: number, trials: number, options: WilsonOptions = {}): Interval {
  const confidence = options.confidence ?? 0.95;
  checkConfidence(confidence);
  if (!Number.isInteger(trials) || trials < 1 || !Number.isInteger(successes) || successes < 0 || successes > trials) {
    throw new UsageError(
      "stats.invalid_count",
      `Wilson interval needs integers 0 ≤ successes ≤ trials and trials ≥ 1 (got ${successes}/${trials}).`,
    );
  }
  const n = trials;
  const p = successes / n;
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const z2 = z * z;
  if (!options.continuityCorrection) {
    const centre = p + z2 / (2 * n);
    const half = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
    const denom = 1 + z2 / n;
    // At 0/n and n/n the bound is exactly 0 or 1; the formula gets there only up to rounding.
    const lower = successes === 0 ? 0 : Math.max(0, (centre - half) / denom);
    const upper = successes === n ? 1 : Math.min(1, (centre + half) / denom);
    return { estimate: p, lower, upper, confidence };
  }
  const q = 1 - p;
  const denom = 2 * (n + z2);
  const lower =
    successes === 0 ? 0 : (2 * n * p + z2 - 1 - z * Math.sqrt(z2 - 2 - 1 / n + 4 * p * (n * q + 1))) / denom;
  const upper =
    successes === n ? 1 : (2 * n * p + z2 + 1 + z * Math.sqrt(z2 + 2 - 1 / n + 4 * p * (n * q - 1))) / denom;
  return { estimate: p, lower: Math.max(0, lower), upper: Math.min(1, upper), confidence };
}
