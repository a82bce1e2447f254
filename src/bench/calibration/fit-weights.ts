import { UsageError } from "../../core/index.ts";
import { kendallTauB, spearman } from "../../stats/index.ts";
import {
  CATEGORIES,
  CATEGORY_DIMENSIONS,
  CATEGORY_WEIGHTS,
  type Category,
  DIMENSIONS,
  type Dimension,
} from "../taxonomy.ts";
import type { LeaderboardRow } from "./leaderboard.ts";

/** Per-model dimension means (0–100), from official evaluations or from troupe's own scores. */
export type ModelDimensions = ReadonlyMap<string, Readonly<Record<Dimension, number>>>;

/** One category's fit: its weights, the rescale, and how far the fitted category lands from the published one. */
export interface CategoryFit {
  category: Category;
  /** Weights of the category's dimensions (non-negative, summing to 1). */
  weights: Partial<Record<Dimension, number>>;
  /** The least-squares rescale published ≈ intercept + slope × (weighted mean): the leaderboard's undisclosed normalisation. */
  intercept: number;
  slope: number;
  /** Root-mean-square error of the rescaled fit, in points. */
  rmse: number;
}

/** The outcome of fitting within-category weights to a leaderboard. */
export interface WeightFit {
  models: string[];
  categories: CategoryFit[];
  /** The fitted weights as a scoring config's `dimensionWeights` (selectable with `--scoring`). */
  dimensionWeights: Record<Dimension, number>;
  /** Per model: published Overall, fitted Overall with the rescale, and Overall from the weights alone. */
  rows: Array<{ model: string; published: number; fitted: number; weightsOnly: number }>;
  /** How well the fitted Overall (with the rescale) reproduces the published one: ranks and points. */
  fitted: { spearman: number; kendall: number; rmse: number; maxError: number };
  /** The ranking from the weights alone (what troupe's scores with these weights give, rescale aside). */
  weightsOnly: { spearman: number; kendall: number };
  /** Equal weights, for comparison. */
  equalWeights: { spearman: number; kendall: number; rmse: number };
}

const PUBLISHED: Record<Category, keyof LeaderboardRow> = {
  worlds: "worlds",
  stories: "stories",
  user_preferences: "userPreferences",
};

/** Every weight vector on the simplex of `k` dimensions at `step`. */
function simplex(k: number, step: number): number[][] {
  const n = Math.round(1 / step);
  if (k === 1) return [[1]];
  const out: number[][] = [];
  const rec = (prefix: number[], left: number) => {
    if (prefix.length === k - 1) {
      out.push([...prefix, left / n]);
      return;
    }
    for (let i = 0; i <= left; i++) rec([...prefix, i / n], left - i);
  };
  rec([], n);
  return out;
}

/** Least-squares y ≈ a + b·x; a flat x gives b = 0 and a = mean(y). */
function linearFit(x: readonly number[], y: readonly number[]): { a: number; b: number; rmse: number } {
  const n = x.length;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
  }
  const b = sxx > 1e-12 ? sxy / sxx : 0;
  const a = my - b * mx;
  let sse = 0;
  for (let i = 0; i < n; i++) sse += (y[i]! - (a + b * x[i]!)) ** 2;
  return { a, b, rmse: Math.sqrt(sse / n) };
}

function overallOf(categories: Record<Category, number>): number {
  return CATEGORIES.reduce((s, c) => s + CATEGORY_WEIGHTS[c] * categories[c], 0);
}

/**
 * Fit the within-category dimension weights so that each category, as a weighted mean of its dimensions' model
 * means, reproduces the published category scores after a least-squares rescale (intercept + slope per category —
 * the leaderboard's normalisation is not published, and a plain weighted mean of the released dimension scores runs
 * far above it). Weights are searched exhaustively on the simplex at `step` (default 0.01), so the fit is exact
 * for the grid and deterministic. Models are those in both the leaderboard and `dimensions`; at least 3 are needed.
 */
export function fitCategoryWeights(
  dimensions: ModelDimensions,
  leaderboard: readonly LeaderboardRow[],
  options: { step?: number } = {},
): WeightFit {
  const step = options.step ?? 0.01;
  const rows = leaderboard.filter((r) => dimensions.has(r.model));
  if (rows.length < 3)
    throw new UsageError(
      "bench.fit_too_few_models",
      `Fitting weights needs at least 3 leaderboard models with scores; found ${rows.length}.`,
      { hint: "Use the official evaluations file (all 11 models), or filter less with --models." },
    );
  const categories: CategoryFit[] = [];
  const fittedCategory = new Map<string, Record<Category, number>>();
  const weightOnlyCategory = new Map<string, Record<Category, number>>();
  const equalCategory = new Map<string, Record<Category, number>>();
  for (const r of rows) {
    fittedCategory.set(r.model, {} as Record<Category, number>);
    weightOnlyCategory.set(r.model, {} as Record<Category, number>);
    equalCategory.set(r.model, {} as Record<Category, number>);
  }
  const dimensionWeights = Object.fromEntries(DIMENSIONS.map((d) => [d, 1])) as Record<Dimension, number>;
  for (const category of CATEGORIES) {
    const dims = CATEGORY_DIMENSIONS[category];
    const y = rows.map((r) => r[PUBLISHED[category]] as number);
    const mix = (w: readonly number[]) =>
      rows.map((r) => dims.reduce((s, d, i) => s + w[i]! * dimensions.get(r.model)![d], 0));
    let best: { w: number[]; a: number; b: number; rmse: number } | undefined;
    for (const w of simplex(dims.length, step)) {
      const fit = linearFit(mix(w), y);
      if (!best || fit.rmse < best.rmse - 1e-12) best = { w, ...fit };
    }
    const equal = linearFit(mix(dims.map(() => 1 / dims.length)), y);
    const x = mix(best!.w);
    const xe = mix(dims.map(() => 1 / dims.length));
    rows.forEach((r, i) => {
      fittedCategory.get(r.model)![category] = best!.a + best!.b * x[i]!;
      weightOnlyCategory.get(r.model)![category] = x[i]!;
      equalCategory.get(r.model)![category] = equal.a + equal.b * xe[i]!;
    });
    dims.forEach((d, i) => {
      dimensionWeights[d] = Math.round(best!.w[i]! * 1e6) / 1e6;
    });
    categories.push({
      category,
      weights: Object.fromEntries(dims.map((d, i) => [d, best!.w[i]!])),
      intercept: best!.a,
      slope: best!.b,
      rmse: best!.rmse,
    });
  }
  const published = rows.map((r) => r.overall);
  const fitted = rows.map((r) => overallOf(fittedCategory.get(r.model)!));
  const weightsOnly = rows.map((r) => overallOf(weightOnlyCategory.get(r.model)!));
  const equal = rows.map((r) => overallOf(equalCategory.get(r.model)!));
  const errors = fitted.map((f, i) => f - published[i]!);
  const rmse = (e: number[]) => Math.sqrt(e.reduce((s, v) => s + v * v, 0) / e.length);
  return {
    models: rows.map((r) => r.model),
    categories,
    dimensionWeights,
    rows: rows.map((r, i) => ({
      model: r.model,
      published: r.overall,
      fitted: fitted[i]!,
      weightsOnly: weightsOnly[i]!,
    })),
    fitted: {
      spearman: spearman(fitted, published).rho,
      kendall: kendallTauB(fitted, published).tau,
      rmse: rmse(errors),
      maxError: Math.max(...errors.map(Math.abs)),
    },
    weightsOnly: { spearman: spearman(weightsOnly, published).rho, kendall: kendallTauB(weightsOnly, published).tau },
    equalWeights: {
      spearman: spearman(equal, published).rho,
      kendall: kendallTauB(equal, published).tau,
      rmse: rmse(equal.map((e, i) => e - published[i]!)),
    },
  };
}

/** Per-model means of session dimension scores (sessions missing a dimension are left out of that mean). */
export function modelDimensionMeans(
  sessions: ReadonlyArray<{ modelName: string; scores: Partial<Record<Dimension, number>> }>,
): Map<string, Record<Dimension, number>> {
  const sums = new Map<string, { sum: Record<string, number>; n: Record<string, number> }>();
  for (const s of sessions) {
    const t = sums.get(s.modelName) ?? { sum: {}, n: {} };
    sums.set(s.modelName, t);
    for (const d of DIMENSIONS) {
      const v = s.scores[d];
      if (v === undefined) continue;
      t.sum[d] = (t.sum[d] ?? 0) + v;
      t.n[d] = (t.n[d] ?? 0) + 1;
    }
  }
  const out = new Map<string, Record<Dimension, number>>();
  for (const [model, t] of sums) {
    if (!DIMENSIONS.every((d) => (t.n[d] ?? 0) > 0)) continue;
    out.set(model, Object.fromEntries(DIMENSIONS.map((d) => [d, t.sum[d]! / t.n[d]!])) as Record<Dimension, number>);
  }
  return out;
}
