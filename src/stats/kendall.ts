import { checkCorrelationInput } from "./correlation-input.ts";
import { normalTwoSidedP } from "./normal.ts";
import { tieGroups } from "./ranks.ts";

/** Kendall's τ-b with the counts behind it. */
export interface KendallResult {
  /** τ-b = (C − D) / √((n₀ − n₁)(n₀ − n₂)); NaN when a side is constant. */
  tau: number;
  /** Number of pairs of observations. */
  n: number;
  /** Concordant pairs C. */
  concordant: number;
  /** Discordant pairs D. */
  discordant: number;
  /** Two-sided p-value from the normal approximation with the tie-corrected variance (Kendall 1970, as scipy). */
  pValue: number;
}

/**
 * Kendall's τ-b (Kendall 1945), the tau that corrects for ties on either side — which matter here, since judge
 * scores on a 0–100 scale tie often. O(n²) pair counting: exact, and fast enough for the few thousand sessions a
 * calibration compares.
 */
export function kendallTauB(x: readonly number[], y: readonly number[]): KendallResult {
  checkCorrelationInput(x, y, 2, "Kendall's tau");
  const n = x.length;
  let concordant = 0;
  let discordant = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[i] as number;
    const yi = y[i] as number;
    for (let j = i + 1; j < n; j++) {
      const s = Math.sign((x[j] as number) - xi) * Math.sign((y[j] as number) - yi);
      if (s > 0) concordant++;
      else if (s < 0) discordant++;
    }
  }
  const tx = tieGroups(x);
  const ty = tieGroups(y);
  const pairs = (t: number) => (t * (t - 1)) / 2;
  const n0 = pairs(n);
  const n1 = tx.reduce((s, t) => s + pairs(t), 0);
  const n2 = ty.reduce((s, t) => s + pairs(t), 0);
  const denom = Math.sqrt((n0 - n1) * (n0 - n2));
  const tau = denom === 0 ? Number.NaN : (concordant - discordant) / denom;
  // Var(C − D) under independence with ties (Kendall 1970, eq. 4.4).
  const m = n * (n - 1);
  const sum = (ts: number[], f: (t: number) => number) => ts.reduce((s, t) => s + f(t), 0);
  const v1x = sum(tx, (t) => t * (t - 1) * (2 * t + 5));
  const v1y = sum(ty, (t) => t * (t - 1) * (2 * t + 5));
  const v2x = sum(tx, (t) => t * (t - 1));
  const v2y = sum(ty, (t) => t * (t - 1));
  const v3x = sum(tx, (t) => t * (t - 1) * (t - 2));
  const v3y = sum(ty, (t) => t * (t - 1) * (t - 2));
  const variance =
    (m * (2 * n + 5) - v1x - v1y) / 18 + (v2x * v2y) / (2 * m) + (n > 2 ? (v3x * v3y) / (9 * m * (n - 2)) : 0);
  const pValue =
    Number.isNaN(tau) || variance <= 0 ? Number.NaN : normalTwoSidedP((concordant - discordant) / Math.sqrt(variance));
  return { tau, n, concordant, discordant, pValue };
}
