import { UsageError } from "../core/index.ts";
import { isMissing, type Label, orderedCategories } from "./agreement-labels.ts";

/** Level of measurement: decides how far apart two different values are (Krippendorff 2011, §E). */
export type MeasurementLevel = "nominal" | "ordinal" | "interval" | "ratio";

/** Options of `krippendorffAlpha`. */
export interface KrippendorffOptions {
  /** Level of measurement (default "nominal"). */
  level?: MeasurementLevel;
  /** Scale order for ordinal text labels (numbers are ordered by value). */
  order?: readonly Label[];
}

/** Krippendorff's α with its ingredients. */
export interface KrippendorffResult {
  /** α = 1 − D_o / D_e; NaN when there is no variation at all (D_e = 0). */
  alpha: number;
  /** Observed disagreement D_o. */
  observedDisagreement: number;
  /** Disagreement expected by chance D_e. */
  expectedDisagreement: number;
  /** Pairable values n: values in units that have at least two of them. */
  pairableValues: number;
  /** Units that had at least two values. */
  pairableUnits: number;
}

/**
 * Krippendorff's α reliability (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability") for any number of
 * raters, with missing data: `units[u]` lists the values unit u received (null, undefined or NaN = not rated;
 * which rater gave which value does not enter α). Units with fewer than two values are not pairable and drop out.
 */
export function krippendorffAlpha(
  units: readonly (readonly (Label | null | undefined)[])[],
  options: KrippendorffOptions = {},
): KrippendorffResult {
  const level = options.level ?? "nominal";
  const present = units.map((u) => u.filter((v): v is Label => !isMissing(v)));
  const pairable = present.filter((u) => u.length >= 2);
  if (pairable.length === 0) {
    throw new UsageError("stats.too_few", "Krippendorff's alpha needs at least one unit rated at least twice.");
  }
  if (level !== "nominal" && level !== "ordinal") {
    for (const v of pairable.flat()) {
      if (typeof v !== "number") {
        throw new UsageError("stats.non_numeric", `The ${level} level needs numeric values, got ${JSON.stringify(v)}.`);
      }
      if (level === "ratio" && v < 0) throw new UsageError("stats.negative_ratio", "Ratio data must be non-negative.");
    }
  }
  const values = orderedCategories(pairable.flat(), options.order, level === "ordinal");
  const V = values.length;
  const index = new Map(values.map((v, i) => [v, i]));
  // Coincidence matrix: each ordered pair of values within a unit adds 1 / (m_u − 1).
  const o = new Float64Array(V * V);
  const unitCounts = new Float64Array(V);
  for (const unit of pairable) {
    unitCounts.fill(0);
    for (const v of unit) unitCounts[index.get(v) as number]! += 1;
    const w = 1 / (unit.length - 1);
    for (let c = 0; c < V; c++) {
      const nc = unitCounts[c] as number;
      if (nc === 0) continue;
      for (let k = 0; k < V; k++) {
        const nk = unitCounts[k] as number;
        if (nk === 0) continue;
        o[c * V + k]! += (c === k ? nc * (nc - 1) : nc * nk) * w;
      }
    }
  }
  const nc = new Float64Array(V);
  for (let c = 0; c < V; c++) for (let k = 0; k < V; k++) nc[c]! += o[c * V + k] as number;
  const n = nc.reduce((s, x) => s + x, 0);
  const delta = distance(level, values, nc);
  let observed = 0;
  let expected = 0;
  for (let c = 0; c < V; c++) {
    for (let k = 0; k < V; k++) {
      const d = delta(c, k);
      observed += (o[c * V + k] as number) * d;
      expected += (nc[c] as number) * (nc[k] as number) * d;
    }
  }
  const Do = observed / n;
  const De = expected / (n * (n - 1));
  return {
    alpha: De === 0 ? Number.NaN : 1 - Do / De,
    observedDisagreement: Do,
    expectedDisagreement: De,
    pairableValues: n,
    pairableUnits: pairable.length,
  };
}

/** The squared difference function δ²(c, k) of a level of measurement, over value indices. */
function distance(
  level: MeasurementLevel,
  values: readonly Label[],
  nc: Float64Array,
): (c: number, k: number) => number {
  switch (level) {
    case "nominal":
      return (c, k) => (c === k ? 0 : 1);
    case "ordinal": {
      // δ² = (Σ_{g=c..k} n_g − (n_c + n_k)/2)²: distance by how many pairable values lie between the two ranks.
      const cumulative = new Float64Array(nc.length + 1);
      for (let g = 0; g < nc.length; g++) cumulative[g + 1] = (cumulative[g] as number) + (nc[g] as number);
      return (c, k) => {
        if (c === k) return 0;
        const lo = Math.min(c, k);
        const hi = Math.max(c, k);
        const between = (cumulative[hi + 1] as number) - (cumulative[lo] as number);
        return (between - ((nc[c] as number) + (nc[k] as number)) / 2) ** 2;
      };
    }
    case "interval":
      return (c, k) => ((values[c] as number) - (values[k] as number)) ** 2;
    case "ratio":
      return (c, k) => {
        const a = values[c] as number;
        const b = values[k] as number;
        return a + b === 0 ? 0 : ((a - b) / (a + b)) ** 2;
      };
    default:
      throw new UsageError("stats.invalid_level", `Unknown level of measurement "${String(level)}".`, {
        hint: 'Use "nominal", "ordinal", "interval" or "ratio".',
      });
  }
}
