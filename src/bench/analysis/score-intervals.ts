import { hierarchicalBootstrap } from "../../stats/index.ts";
import type { ScoringConfig } from "../scoring/scoring-config.ts";
import type { SessionScore } from "../scoring/session-score.ts";
import { METRICS, type Metric, nestByScenario } from "./metrics.ts";

/** A score with its 95% interval, for one model, metric and language scope. */
export interface ScoreInterval {
  metric: Metric;
  /** "all" (pooled) or a language code. */
  scope: string;
  estimate: number;
  lower: number;
  upper: number;
  standardError: number;
  scenarios: number;
  sessions: number;
}

/** Bootstrap settings recorded with every interval. */
export interface IntervalOptions {
  seed: string | number;
  resamples: number;
  confidence: number;
}

export const DEFAULT_INTERVALS: IntervalOptions = { seed: "troupe-bench", resamples: 2000, confidence: 0.95 };

/**
 * Intervals for every metric, pooled and per language: a hierarchical bootstrap that resamples scenarios, then
 * runs within each drawn scenario, then chunks within each drawn run (src/stats), seeded so a report replays
 * exactly. The estimate is the mean over scenarios of the mean over runs of the mean over chunks.
 */
export function scoreIntervals(
  sessions: readonly SessionScore[],
  scoring: ScoringConfig,
  options: IntervalOptions = DEFAULT_INTERVALS,
): ScoreInterval[] {
  const scopes = ["all", ...[...new Set(sessions.map((s) => s.lang).filter((l): l is string => !!l))].sort()];
  const out: ScoreInterval[] = [];
  for (const scope of scopes) {
    const inScope = scope === "all" ? sessions : sessions.filter((s) => s.lang === scope);
    // A single language makes "all" and that language identical: skip the duplicate.
    if (scope !== "all" && scopes.length === 2) continue;
    for (const metric of METRICS) {
      const { nest } = nestByScenario(inScope, metric, scoring);
      if (nest.length === 0) continue;
      const result = hierarchicalBootstrap(nest, {
        seed: `${options.seed}/${scope}/${metric}`,
        resamples: options.resamples,
        confidence: options.confidence,
      });
      out.push({
        metric,
        scope,
        estimate: result.estimate,
        lower: result.lower,
        upper: result.upper,
        standardError: result.standardError,
        scenarios: nest.length,
        sessions: nest.reduce((s, runs) => s + runs.length, 0),
      });
    }
  }
  return out;
}
