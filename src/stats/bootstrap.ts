import { UsageError } from "../core/index.ts";
import { mean, quantileSorted } from "./descriptive.ts";
import { type BootstrapOptions, type BootstrapResult, bootstrapSettings } from "./interval.ts";
import { toRng } from "./random-source.ts";

/** Options of `percentileBootstrap`. */
export interface PercentileBootstrapOptions extends BootstrapOptions {
  /** The statistic to bootstrap (default: the mean). It receives a resample of the values. */
  statistic?: (sample: readonly number[]) => number;
}

/**
 * Percentile bootstrap (Efron & Tibshirani 1993, ch. 13): resample the values with replacement, recompute the
 * statistic, and take the α/2 and 1 − α/2 quantiles of the replicates as the interval. Values are treated as
 * independent; use `hierarchicalBootstrap` when they are grouped (turns within sessions, runs within scenarios).
 */
export function percentileBootstrap(values: readonly number[], options: PercentileBootstrapOptions): BootstrapResult {
  const { resamples, confidence } = bootstrapSettings(options);
  const n = values.length;
  if (n === 0) {
    throw new UsageError("stats.empty_sample", "Cannot bootstrap an empty sample.", {
      hint: "Check that the data you filtered still has values.",
    });
  }
  const rng = toRng(options.seed);
  const statistic = options.statistic;
  const replicates = new Float64Array(resamples);
  const sample = new Array<number>(n);
  for (let b = 0; b < resamples; b++) {
    if (statistic) {
      for (let i = 0; i < n; i++) sample[i] = values[rng.int(n)] as number;
      replicates[b] = statistic(sample);
    } else {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += values[rng.int(n)] as number;
      replicates[b] = sum / n;
    }
  }
  return summariseReplicates(statistic ? statistic(values) : mean(values), replicates, confidence);
}

/** Turns bootstrap replicates into a percentile interval around `estimate`. */
export function summariseReplicates(estimate: number, replicates: Float64Array, confidence: number): BootstrapResult {
  const sorted = replicates.slice().sort();
  const alpha = 1 - confidence;
  let sum = 0;
  for (const r of sorted) sum += r;
  const m = sum / sorted.length;
  let ss = 0;
  for (const r of sorted) ss += (r - m) ** 2;
  return {
    estimate,
    lower: quantileSorted(sorted, alpha / 2),
    upper: quantileSorted(sorted, 1 - alpha / 2),
    confidence,
    standardError: sorted.length > 1 ? Math.sqrt(ss / (sorted.length - 1)) : 0,
    resamples: sorted.length,
  };
}
