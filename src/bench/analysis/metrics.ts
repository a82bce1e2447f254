import { combineDimensions, flattenScoreCard } from "../scoring/deduction.ts";
import type { ScoringConfig } from "../scoring/scoring-config.ts";
import type { SessionScore } from "../scoring/session-score.ts";
import { CATEGORIES, CATEGORY_LABELS, DIMENSION_LABELS, DIMENSIONS } from "../taxonomy.ts";

/** Every reported score: Overall, the three categories, the six dimensions. */
export const METRICS = ["overall", ...CATEGORIES, ...DIMENSIONS] as const;
export type Metric = (typeof METRICS)[number];

/** Human label of a metric. */
export function metricLabel(metric: Metric): string {
  if (metric === "overall") return "Overall";
  return (CATEGORY_LABELS as Record<string, string>)[metric] ?? (DIMENSION_LABELS as Record<string, string>)[metric]!;
}

/** Scenario → run → chunk values of one metric, the nesting the hierarchical bootstrap resamples. */
export type ScenarioNest = number[][][];

/**
 * Group sessions into scenario → run → chunk values of a metric. A chunk's categories and Overall come from its
 * dimension scores with the scoring config's weights; chunks no judge answered, and sessions with none left, drop
 * out. Scenarios are ordered by id so that two models' nests line up for pairing.
 */
export function nestByScenario(
  sessions: readonly SessionScore[],
  metric: Metric,
  scoring: ScoringConfig,
): { seeds: string[]; nest: ScenarioNest } {
  const bySeed = new Map<string, number[][]>();
  for (const s of [...sessions].sort((a, b) => a.runId.localeCompare(b.runId))) {
    const values = s.chunks
      .filter((c) => c.scores)
      .map((c) => flattenScoreCard(combineDimensions(c.scores!, scoring))[metric]!);
    if (values.length === 0) continue;
    const runs = bySeed.get(s.seedId) ?? [];
    runs.push(values);
    bySeed.set(s.seedId, runs);
  }
  const seeds = [...bySeed.keys()].sort();
  return { seeds, nest: seeds.map((seed) => bySeed.get(seed)!) };
}

/** Mean of a nest's chunk values as the bootstrap sees it: mean over scenarios of mean over runs of mean over chunks. */
export function nestMean(nest: ScenarioNest): number {
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return mean(nest.map((runs) => mean(runs.map(mean))));
}
