import { UsageError } from "../core/index.ts";
import { binomialPmf, binomialTwoSidedP } from "./binomial.ts";
import { erfc } from "./special-functions.ts";

/** How `mcnemarTest` turns the discordant counts into a p-value. */
export type McNemarMethod = "auto" | "exact" | "mid-p" | "chi-square" | "chi-square-corrected";

/** The result of a McNemar test. */
export interface McNemarResult {
  /** Pairs positive on the first measurement only. */
  b: number;
  /** Pairs positive on the second measurement only. */
  c: number;
  /** The chi-square statistic (for the exact and mid-p methods, the uncorrected one, for reference). */
  statistic: number;
  /** Two-sided p-value. */
  pValue: number;
  /** The method actually used. */
  method: Exclude<McNemarMethod, "auto">;
}

/**
 * McNemar's test of marginal homogeneity for paired binary outcomes (McNemar 1947), from the discordant cells of
 * the 2×2 table: b = yes/no, c = no/yes. `"auto"` (default) uses the exact binomial test when b + c < 25 — where
 * the chi-square approximation is poor — and the uncorrected chi-square above. `"chi-square-corrected"` is Edwards'
 * continuity correction, (|b − c| − 1)² / (b + c); `"mid-p"` follows Fagerland, Lydersen & Laake (2013).
 */
export function mcnemarTest(b: number, c: number, method: McNemarMethod = "auto"): McNemarResult {
  if (!Number.isInteger(b) || !Number.isInteger(c) || b < 0 || c < 0) {
    throw new UsageError(
      "stats.invalid_count",
      `McNemar needs non-negative integer discordant counts (b=${b}, c=${c}).`,
    );
  }
  const n = b + c;
  const chosen = method === "auto" ? (n < 25 ? "exact" : "chi-square") : method;
  const statistic = n === 0 ? 0 : (b - c) ** 2 / n;
  const chiSquareP = (x: number): number => erfc(Math.sqrt(x / 2)); // upper tail of χ² with 1 df
  switch (chosen) {
    case "exact":
      return { b, c, statistic, pValue: binomialTwoSidedP(b, n), method: chosen };
    case "mid-p": {
      // Two-sided mid-p: 2·(P(X < k) + ½·P(X = k)) with k = min(b, c); when b = c it is 1 − ½·P(X = b).
      const k = Math.min(b, c);
      const p =
        n === 0 ? 1 : b === c ? 1 - 0.5 * binomialPmf(b, n, 0.5) : binomialTwoSidedP(k, n) - binomialPmf(k, n, 0.5);
      return { b, c, statistic, pValue: Math.min(1, p), method: chosen };
    }
    case "chi-square":
      return { b, c, statistic, pValue: n === 0 ? 1 : chiSquareP(statistic), method: chosen };
    case "chi-square-corrected": {
      const corrected = n === 0 ? 0 : Math.max(0, Math.abs(b - c) - 1) ** 2 / n;
      return { b, c, statistic: corrected, pValue: n === 0 ? 1 : chiSquareP(corrected), method: chosen };
    }
    default:
      throw new UsageError("stats.invalid_method", `Unknown McNemar method "${String(method)}".`, {
        hint: 'Use "auto", "exact", "mid-p", "chi-square" or "chi-square-corrected".',
      });
  }
}
