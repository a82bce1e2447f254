import { clustersForHalfWidth, varianceComponents } from "../../stats/index.ts";
import { flattenScoreCard } from "../scoring/deduction.ts";
import type { ScoringConfig } from "../scoring/scoring-config.ts";
import type { SessionScore } from "../scoring/session-score.ts";
import { type Metric, nestByScenario } from "./metrics.ts";

/** Where a model's score variance comes from, and what that means for the number of scenarios. */
export interface VarianceBreakdown {
  metric: Metric;
  /** "judge" when several judges scored each session (judge identity is then a level), else "chunk". */
  innermost: "judge" | "chunk";
  components: Array<{ level: string; variance: number; share: number }>;
  /** Runs per scenario and chunks (or judges) per run used for planning (rounded means). */
  runsPerScenario: number;
  perRun: number;
  /** Scenarios needed for a 95% interval of ±targetHalfWidth on this metric, with the same runs and chunks. */
  scenariosNeeded: number | undefined;
  targetHalfWidth: number;
  /** Why the decomposition could not be computed, when it could not. */
  problem?: string;
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/**
 * Variance decomposition of one model's scores: scenario, run within scenario, and — with a judge panel — judge
 * within run (each judge's own session score), otherwise chunk within run. Method-of-moments components from
 * src/stats; then the number of scenarios that a ±`targetHalfWidth` interval needs at the same runs and chunks.
 */
export function varianceBreakdown(
  sessions: readonly SessionScore[],
  scoring: ScoringConfig,
  metric: Metric = "overall",
  targetHalfWidth = 1,
): VarianceBreakdown {
  const judges = [...new Set(sessions.flatMap((s) => Object.keys(s.perJudge)))];
  const innermost = judges.length >= 2 ? "judge" : "chunk";
  let data: number[][][];
  if (innermost === "judge") {
    const bySeed = new Map<string, number[][]>();
    for (const s of sessions) {
      const values = judges
        .map((j) => s.perJudge[j])
        .filter((c) => c !== undefined)
        .map((c) => flattenScoreCard(c)[metric]!);
      if (values.length < 2) continue;
      bySeed.set(s.seedId, [...(bySeed.get(s.seedId) ?? []), values]);
    }
    data = [...bySeed.values()];
  } else data = nestByScenario(sessions, metric, scoring).nest;
  const base = {
    metric,
    innermost,
    targetHalfWidth,
    runsPerScenario: data.length ? Math.round(mean(data.map((r) => r.length))) : 0,
    perRun: data.length ? Math.round(mean(data.flatMap((r) => r.map((c) => c.length)))) : 0,
  } as const;
  try {
    const decomposition = varianceComponents(data, ["scenario", "run", innermost]);
    const variances = decomposition.components.map((c) => c.variance);
    return {
      ...base,
      components: decomposition.components.map((c) => ({ level: c.level, variance: c.variance, share: c.share })),
      scenariosNeeded: clustersForHalfWidth({
        variances,
        perCluster: [Math.max(1, base.runsPerScenario), Math.max(1, base.perRun)],
        halfWidth: targetHalfWidth,
      }),
    };
  } catch (error) {
    return { ...base, components: [], scenariosNeeded: undefined, problem: explainProblem(error, data, innermost) };
  }
}

/** What a reader can do about a decomposition that could not be computed, in place of the statistics library's words. */
function explainProblem(error: unknown, data: number[][][], innermost: "judge" | "chunk"): string {
  const code = (error as { code?: unknown }).code;
  if (data.length === 0) return "No judged chunks to split the variance of.";
  if (code !== "stats.no_replication") return `The variance split could not be computed (${(error as Error).message}).`;
  const scenarios = data.length;
  const maxRuns = Math.max(...data.map((r) => r.length));
  if (scenarios < 2) return "Only one scenario: the split needs two or more scenarios.";
  if (maxRuns < 2)
    return "One run per scenario: the split needs two or more runs of a scenario (troupe bench run --runs 2 or more).";
  return innermost === "judge"
    ? "One judge answer per run: the split needs two or more judges (bench judge --judge … --judge …)."
    : "One judged chunk per run: the split needs longer sessions or smaller chunks (bench judge --chunk-turns).";
}
