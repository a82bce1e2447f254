import { UsageError } from "../core/index.ts";
import { isMissing, type Label, orderedCategories } from "./agreement-labels.ts";

/** Fleiss' κ with its ingredients. */
export interface FleissKappaResult {
  /** κ = (P̄ − P̄e) / (1 − P̄e); NaN when every rating falls in one category. */
  kappa: number;
  /** Mean per-subject agreement P̄. */
  observedAgreement: number;
  /** Chance agreement P̄e from the pooled category proportions. */
  expectedAgreement: number;
  /** Number of subjects. */
  subjects: number;
  /** Ratings per subject. */
  raters: number;
  /** Share of all ratings in each category (the columns of the input). */
  categoryProportions: number[];
}

/**
 * Fleiss' κ (Fleiss 1971) from a subjects × categories count table: `counts[i][j]` raters put subject i in category
 * j. Every subject must have the same number of ratings (the raters may differ between subjects).
 */
export function fleissKappa(counts: readonly (readonly number[])[]): FleissKappaResult {
  const N = counts.length;
  if (N === 0) throw new UsageError("stats.empty_sample", "Fleiss' kappa needs at least one subject.");
  const k = (counts[0] as readonly number[]).length;
  const m = (counts[0] as readonly number[]).reduce((s, c) => s + c, 0);
  if (m < 2) throw new UsageError("stats.too_few", "Fleiss' kappa needs at least two ratings per subject.");
  const totals = new Array<number>(k).fill(0);
  let pBar = 0;
  counts.forEach((row, i) => {
    if (row.length !== k || row.some((c) => !Number.isInteger(c) || c < 0)) {
      throw new UsageError("stats.invalid_count", `Subject ${i} must have ${k} non-negative integer counts.`);
    }
    const sum = row.reduce((s, c) => s + c, 0);
    if (sum !== m) {
      throw new UsageError("stats.unequal_raters", `Subject ${i} has ${sum} ratings but subject 0 has ${m}.`, {
        hint: "Fleiss' kappa needs the same number of ratings per subject; use Krippendorff's alpha for missing ratings.",
      });
    }
    let agree = 0;
    row.forEach((c, j) => {
      totals[j]! += c;
      agree += c * (c - 1);
    });
    pBar += agree / (m * (m - 1));
  });
  pBar /= N;
  const proportions = totals.map((t) => t / (N * m));
  const pE = proportions.reduce((s, p) => s + p * p, 0);
  return {
    kappa: pE === 1 ? Number.NaN : (pBar - pE) / (1 - pE),
    observedAgreement: pBar,
    expectedAgreement: pE,
    subjects: N,
    raters: m,
    categoryProportions: proportions,
  };
}

/** Fleiss' κ from raw labels: `ratings[i]` holds the labels the raters gave subject i. */
export function fleissKappaFromLabels(ratings: readonly (readonly Label[])[]): FleissKappaResult {
  const all = ratings.flat();
  if (all.some((l) => isMissing(l))) {
    throw new UsageError("stats.missing_rating", "Fleiss' kappa cannot handle missing ratings.", {
      hint: "Use krippendorffAlpha, which accepts missing ratings.",
    });
  }
  const categories = orderedCategories(all, undefined, false);
  const index = new Map(categories.map((c, i) => [c, i]));
  return fleissKappa(
    ratings.map((row) => {
      const counts = new Array<number>(categories.length).fill(0);
      for (const label of row) counts[index.get(label) as number]! += 1;
      return counts;
    }),
  );
}
