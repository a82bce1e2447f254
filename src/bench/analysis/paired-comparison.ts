import { minimumDetectableEffect, pairedHierarchicalBootstrap, standardDeviation } from "../../stats/index.ts";
import type { ScoringConfig } from "../scoring/scoring-config.ts";
import type { SessionScore } from "../scoring/session-score.ts";
import { METRICS, type Metric, nestByScenario, nestMean } from "./metrics.ts";
import { DEFAULT_INTERVALS, type IntervalOptions } from "./score-intervals.ts";

/** Candidate minus baseline on one metric, over the scenarios both were run on. */
export interface PairedDifference {
  metric: Metric;
  /** candidate − baseline. */
  difference: number;
  lower: number;
  upper: number;
  /** Two-sided p-value of "no difference" (paired hierarchical bootstrap). */
  pValue: number;
  /** Smallest true difference this design detects with 80% power at α = 0.05 (paired t on scenario means). */
  minimumDetectableEffect: number | undefined;
  /** Scenarios both models were run on (the pairs). */
  scenarios: number;
}

/**
 * Paired comparison of two models on identical scenarios: each bootstrap replicate draws scenarios with
 * replacement and takes the same scenarios for both models (that is the pairing), keeping each scenario's runs and
 * chunks as they are. Resampling only the outer level is the cluster bootstrap of Field & Welsh (2007) and
 * Davison & Hinkley (1997, §3.8): the spread of the per-scenario differences already contains the run and chunk
 * noise, and resampling the inner levels too would count that noise twice — which, among other things, gave two
 * identical transcripts a non-zero interval and could fail the gate on a model compared with itself.
 * Scenarios only one model has are left out (and counted by the caller). The minimum detectable effect comes
 * from the spread of the per-scenario differences.
 */
export function pairedComparison(
  candidate: readonly SessionScore[],
  baseline: readonly SessionScore[],
  scoring: ScoringConfig,
  options: IntervalOptions = DEFAULT_INTERVALS,
  metrics: readonly Metric[] = METRICS,
): PairedDifference[] {
  const out: PairedDifference[] = [];
  for (const metric of metrics) {
    const a = nestByScenario(candidate, metric, scoring);
    const b = nestByScenario(baseline, metric, scoring);
    const common = a.seeds.filter((s) => b.seeds.includes(s));
    if (common.length === 0) continue;
    const pick = (x: typeof a) => common.map((s) => x.nest[x.seeds.indexOf(s)]!);
    const na = pick(a);
    const nb = pick(b);
    const result = pairedHierarchicalBootstrap(na, nb, {
      seed: `${options.seed}/paired/${metric}`,
      resamples: options.resamples,
      confidence: options.confidence,
      levels: [true],
    });
    const diffs = na.map((x, i) => nestMean([x]) - nestMean([nb[i]!]));
    const sd = diffs.length >= 2 ? standardDeviation(diffs) : Number.NaN;
    let mde: number | undefined;
    if (diffs.length >= 2 && sd > 0) mde = minimumDetectableEffect({ n: diffs.length, sdDifference: sd }).effect;
    out.push({
      metric,
      difference: result.estimate,
      lower: result.lower,
      upper: result.upper,
      pValue: result.pValue,
      minimumDetectableEffect: mde,
      scenarios: common.length,
    });
  }
  return out;
}
