import { checkCorrelationInput } from "./correlation-input.ts";
import { averageRanks } from "./ranks.ts";
import { studentTTwoSidedP } from "./student-t.ts";

/** Spearman's rank correlation with its p-value. */
export interface SpearmanResult {
  /** ρ: Pearson correlation of the average ranks (handles ties). NaN when a side is constant. */
  rho: number;
  /** Number of pairs. */
  n: number;
  /** Two-sided p-value from t = ρ·√((n − 2)/(1 − ρ²)) with n − 2 df (as scipy.stats.spearmanr). NaN if n < 3. */
  pValue: number;
}

/** Spearman's ρ: Pearson's r on average ranks, so ties are handled exactly rather than by the 1 − 6Σd² shortcut. */
export function spearman(x: readonly number[], y: readonly number[]): SpearmanResult {
  checkCorrelationInput(x, y, 2, "Spearman correlation");
  const rx = averageRanks(x);
  const ry = averageRanks(y);
  const n = x.length;
  const mean = (n + 1) / 2; // average ranks always average to (n + 1) / 2
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (rx[i] as number) - mean;
    const dy = (ry[i] as number) - mean;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  const rho = sxx === 0 || syy === 0 ? Number.NaN : sxy / Math.sqrt(sxx * syy);
  let pValue = Number.NaN;
  if (n > 2 && !Number.isNaN(rho)) {
    pValue = Math.abs(rho) >= 1 ? 0 : studentTTwoSidedP(rho * Math.sqrt((n - 2) / ((1 + rho) * (1 - rho))), n - 2);
  }
  return { rho, n, pValue };
}
