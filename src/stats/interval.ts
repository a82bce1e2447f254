import { UsageError } from "../core/index.ts";
import type { RandomSource } from "./random-source.ts";

/** A point estimate with a two-sided confidence interval. */
export interface Interval {
  /** The statistic on the observed data. */
  estimate: number;
  /** Lower bound of the interval. */
  lower: number;
  /** Upper bound of the interval. */
  upper: number;
  /** Nominal coverage, e.g. 0.95. */
  confidence: number;
}

/** The result of a bootstrap: the interval, the bootstrap standard error and how many resamples produced it. */
export interface BootstrapResult extends Interval {
  /** Standard deviation of the bootstrap replicates. */
  standardError: number;
  /** Number of resamples drawn. */
  resamples: number;
}

/** A paired comparison: the difference a − b with its interval and a two-sided p-value for "no difference". */
export interface PairedBootstrapResult extends BootstrapResult {
  /** Two-sided p-value of the null "difference = 0" (bootstrap replicates shifted to the null, see `pairedPValue`). */
  pValue: number;
}

/** Options shared by every bootstrap in this folder. */
export interface BootstrapOptions {
  /** Seed or generator; the same seed reproduces the same interval exactly. */
  seed: RandomSource;
  /** Number of resamples (default 2000; percentile intervals want at least 1000). */
  resamples?: number;
  /** Two-sided confidence level in (0, 1) (default 0.95). */
  confidence?: number;
}

/** Validated resample count and confidence from bootstrap options. */
export function bootstrapSettings(options: BootstrapOptions): { resamples: number; confidence: number } {
  const resamples = options.resamples ?? 2000;
  const confidence = options.confidence ?? 0.95;
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new UsageError("stats.invalid_resamples", `resamples must be a positive integer, got ${resamples}.`, {
      hint: "Use 2000 or more for a 95% percentile interval.",
    });
  }
  checkConfidence(confidence);
  return { resamples, confidence };
}

/** Throws unless 0 < confidence < 1. */
export function checkConfidence(confidence: number): void {
  if (!(confidence > 0 && confidence < 1)) {
    throw new UsageError("stats.invalid_confidence", `confidence must be in (0, 1), got ${confidence}.`, {
      hint: "Pass a proportion such as 0.95, not a percentage.",
    });
  }
}
