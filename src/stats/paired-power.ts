import { UsageError } from "../core/index.ts";
import { normalCdf, normalQuantile, normalSf } from "./normal.ts";
import { logGamma } from "./special-functions.ts";
import { studentTQuantile } from "./student-t.ts";

/** The design of a paired comparison (two models on the same n scenarios). */
export interface PairedDesign {
  /** Number of pairs (scenarios scored by both models). */
  n: number;
  /** Standard deviation of the per-pair differences, in score units. */
  sdDifference: number;
  /** Significance level (default 0.05). */
  alpha?: number;
  /** Two-sided test (default true). */
  twoSided?: boolean;
}

function checkDesign(design: PairedDesign): { n: number; sd: number; alpha: number; twoSided: boolean } {
  const { n, sdDifference: sd } = design;
  const alpha = design.alpha ?? 0.05;
  if (!Number.isInteger(n) || n < 2) {
    throw new UsageError("stats.too_few", `A paired design needs at least 2 pairs, got ${n}.`);
  }
  if (!(sd > 0) || !Number.isFinite(sd)) {
    throw new UsageError("stats.invalid_sd", `sdDifference must be a positive number, got ${sd}.`, {
      hint: "Estimate it from a pilot comparison, e.g. the standard deviation of per-scenario score differences.",
    });
  }
  if (!(alpha > 0 && alpha < 1)) throw new UsageError("stats.invalid_alpha", `alpha must be in (0, 1), got ${alpha}.`);
  return { n, sd, alpha, twoSided: design.twoSided ?? true };
}

/**
 * P(T′ > c) for a noncentral t with `df` degrees of freedom and noncentrality `delta`: T′ = (Z + δ)/U with
 * U = √(χ²_df / df), so P(T′ > c) = E_U[1 − Φ(cU − δ)], integrated over U's density by composite Simpson
 * (4000 panels over ±10 standard deviations of U; error well below 1e-8).
 */
function noncentralTUpper(c: number, df: number, delta: number, lowerTail = false): number {
  const sdU = 1 / Math.sqrt(2 * df);
  const lo = Math.max(0, 1 - 10 * Math.max(sdU, df < 5 ? 1 : 0));
  const hi = 1 + 10 * Math.max(sdU, df < 5 ? 1 : 0);
  const logNorm = (df / 2) * Math.log(df) - (df / 2 - 1) * Math.log(2) - logGamma(df / 2);
  const density = (u: number): number =>
    u <= 0 ? (df === 1 ? Math.exp(logNorm) : 0) : Math.exp(logNorm + (df - 1) * Math.log(u) - (df * u * u) / 2);
  const f = (u: number): number => density(u) * (lowerTail ? normalCdf(-c * u - delta) : normalSf(c * u - delta));
  const panels = 4000;
  const h = (hi - lo) / panels;
  let sum = f(lo) + f(hi);
  for (let i = 1; i < panels; i++) sum += (i % 2 ? 4 : 2) * f(lo + i * h);
  return (sum * h) / 3;
}

/** Power of the paired t-test to detect a true mean difference `effect` (exact, via the noncentral t). */
export function pairedTTestPower(design: PairedDesign & { effect: number }): number {
  const { n, sd, alpha, twoSided } = checkDesign(design);
  const df = n - 1;
  const delta = (Math.abs(design.effect) / sd) * Math.sqrt(n);
  const critical = studentTQuantile(1 - (twoSided ? alpha / 2 : alpha), df);
  const upper = noncentralTUpper(critical, df, delta);
  return Math.min(1, twoSided ? upper + noncentralTUpper(critical, df, delta, true) : upper);
}

/** The minimum detectable effect of a paired design, in score units and in units of sdDifference. */
export interface MinimumDetectableEffect {
  /** Smallest true mean difference detected with the requested power (exact noncentral-t calculation). */
  effect: number;
  /** effect / sdDifference (Cohen's d_z). */
  standardizedEffect: number;
  /** The large-sample formula (z_{1−α/2} + z_{power})·sd/√n, for comparison with textbook tables. */
  normalApproximation: number;
  /** The power used. */
  power: number;
}

/**
 * Minimum detectable effect of a paired comparison: the smallest true difference in mean score that a paired
 * t-test at level α detects with the given power (default 0.8), for n pairs whose differences have SD sdDifference.
 */
export function minimumDetectableEffect(design: PairedDesign & { power?: number }): MinimumDetectableEffect {
  const { n, sd, alpha, twoSided } = checkDesign(design);
  const power = design.power ?? 0.8;
  if (!(power > (twoSided ? alpha / 2 : alpha) && power < 1)) {
    throw new UsageError("stats.invalid_power", `power must be in (alpha, 1), got ${power}.`);
  }
  const powerAt = (effect: number) => pairedTTestPower({ n, sdDifference: sd, alpha, twoSided, effect });
  let hi = sd;
  while (powerAt(hi) < power) hi *= 2;
  let lo = 0;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (powerAt(mid) < power) lo = mid;
    else hi = mid;
  }
  const z = normalQuantile(1 - (twoSided ? alpha / 2 : alpha)) + normalQuantile(power);
  return { effect: hi, standardizedEffect: hi / sd, normalApproximation: (z * sd) / Math.sqrt(n), power };
}

/** Smallest number of pairs for which the paired t-test detects `effect` with the given power (default 0.8). */
export function pairedSampleSize(input: {
  effect: number;
  sdDifference: number;
  alpha?: number;
  power?: number;
  twoSided?: boolean;
}): number {
  const power = input.power ?? 0.8;
  if (!(input.effect !== 0 && Number.isFinite(input.effect))) {
    throw new UsageError("stats.invalid_effect", `effect must be a non-zero number, got ${input.effect}.`);
  }
  const at = (n: number) => pairedTTestPower({ ...input, n });
  let hi = 2;
  while (at(hi) < power) {
    hi *= 2;
    if (hi > 1e7)
      throw new UsageError("stats.unreachable_power", "The requested power needs more than 10 million pairs.");
  }
  let lo = Math.max(2, hi / 2);
  if (at(lo) >= power) return lo;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (at(mid) >= power) hi = mid;
    else lo = mid;
  }
  return hi;
}
