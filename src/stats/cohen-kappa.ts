import { UsageError } from "../core/index.ts";
import { type Label, orderedCategories } from "./agreement-labels.ts";

/** Options of `cohenKappa`. */
export interface CohenKappaOptions {
  /** Disagreement weights: "none" (default) for nominal labels, "linear" or "quadratic" for ordered ones (Cohen 1968). */
  weights?: "none" | "linear" | "quadratic";
  /** Categories in scale order; required for weighted κ on text labels. */
  categories?: readonly Label[];
}

/** Cohen's κ with its ingredients. */
export interface CohenKappaResult {
  /** κ = (p_o − p_e) / (1 − p_e); NaN when chance agreement is already perfect (both raters used one category). */
  kappa: number;
  /** Observed agreement p_o (1 − weighted observed disagreement when weighted). */
  observedAgreement: number;
  /** Agreement expected by chance from each rater's own marginals, p_e. */
  expectedAgreement: number;
  /** Number of items rated by both. */
  n: number;
}

/** Cohen's κ for two raters who rated the same items (Cohen 1960; weighted form Cohen 1968). */
export function cohenKappa(
  a: readonly Label[],
  b: readonly Label[],
  options: CohenKappaOptions = {},
): CohenKappaResult {
  if (a.length !== b.length) {
    throw new UsageError(
      "stats.unpaired",
      `Cohen's kappa needs the same items from both raters (${a.length} vs ${b.length}).`,
    );
  }
  if (a.length === 0) throw new UsageError("stats.empty_sample", "Cohen's kappa needs at least one rated item.");
  const weights = options.weights ?? "none";
  const categories = orderedCategories([...a, ...b], options.categories, weights !== "none");
  const k = categories.length;
  const index = new Map(categories.map((c, i) => [c, i]));
  const table = new Float64Array(k * k);
  for (let i = 0; i < a.length; i++)
    table[(index.get(a[i] as Label) as number) * k + (index.get(b[i] as Label) as number)]! += 1;
  const n = a.length;
  const rows = new Float64Array(k);
  const cols = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      rows[i]! += table[i * k + j] as number;
      cols[j]! += table[i * k + j] as number;
    }
  }
  const w = (i: number, j: number): number => {
    if (weights === "none" || k < 2) return i === j ? 0 : 1;
    const d = Math.abs(i - j) / (k - 1);
    return weights === "linear" ? d : d * d;
  };
  let observed = 0;
  let expected = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      observed += (w(i, j) * (table[i * k + j] as number)) / n;
      expected += (w(i, j) * (rows[i] as number) * (cols[j] as number)) / (n * n);
    }
  }
  return {
    kappa: expected === 0 ? Number.NaN : 1 - observed / expected,
    observedAgreement: 1 - observed,
    expectedAgreement: 1 - expected,
    n,
  };
}
