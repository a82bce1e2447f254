import { UsageError } from "../../core/index.ts";
import type { ScoringConfig } from "../scoring/scoring-config.ts";
import type { SessionScore } from "../scoring/session-score.ts";
import type { Metric } from "./metrics.ts";
import { type PairedDifference, pairedComparison } from "./paired-comparison.ts";
import { DEFAULT_INTERVALS, type IntervalOptions } from "./score-intervals.ts";

/** What the gate checks. */
export interface GateOptions {
  /** How much worse the candidate may be, in score points (default 1.0). */
  margin: number;
  /** Metrics that must pass (default Overall and the three categories). */
  metrics: readonly Metric[];
  intervals: IntervalOptions;
  /** Fewest paired scenarios the gate accepts; below it the gate refuses to decide (usage error, exit 2). */
  minScenarios?: number;
}

export const DEFAULT_GATE: GateOptions = {
  margin: 1,
  metrics: ["overall", "worlds", "stories", "user_preferences"],
  intervals: DEFAULT_INTERVALS,
};

/** One line of the verdict table. */
export interface GateRow extends PairedDifference {
  /** The lower bound must be above this (−margin). */
  threshold: number;
  pass: boolean;
}

/** The gate's decision. */
export interface GateVerdict {
  pass: boolean;
  margin: number;
  rows: GateRow[];
  /** Scenarios judged for both (the pairs). */
  pairedScenarios: number;
  /** Scenarios only one side has (left out of the comparison). */
  onlyBaseline: string[];
  onlyCandidate: string[];
}

/**
 * The CI gate: the candidate passes when, on every checked metric, the lower bound of the paired 95% interval of
 * candidate − baseline is above −margin — "not worse by more than the margin, with confidence", which a noisy
 * point estimate cannot game. Fails with a usage error when the two share no scenario, or fewer than
 * `minScenarios`.
 */
export function gateVerdict(
  candidate: readonly SessionScore[],
  baseline: readonly SessionScore[],
  scoring: ScoringConfig,
  options: GateOptions = DEFAULT_GATE,
): GateVerdict {
  const seedsOf = (s: readonly SessionScore[]) => new Set(s.filter((x) => x.card).map((x) => x.seedId));
  const a = seedsOf(candidate);
  const b = seedsOf(baseline);
  const paired = [...a].filter((s) => b.has(s));
  if (paired.length === 0)
    throw new UsageError("bench.gate_no_pairs", "The baseline and the candidate have no judged scenario in common.", {
      hint: "Run both on the same suite (same scenario ids) and judge both before gating.",
    });
  const min = options.minScenarios ?? 1;
  if (paired.length < min)
    throw new UsageError(
      "bench.gate_too_few_scenarios",
      `The baseline and the candidate share ${paired.length} judged scenario(s); --min-scenarios requires ${min}.`,
      {
        hint: "Run and judge both on more scenarios of the same suite, or lower --min-scenarios.",
      },
    );
  const diffs = pairedComparison(candidate, baseline, scoring, options.intervals, options.metrics);
  const rows = diffs.map((d) => ({ ...d, threshold: -options.margin, pass: d.lower > -options.margin }));
  return {
    pass: rows.length === options.metrics.length && rows.every((r) => r.pass),
    margin: options.margin,
    rows,
    pairedScenarios: paired.length,
    onlyBaseline: [...b].filter((s) => !a.has(s)).sort(),
    onlyCandidate: [...a].filter((s) => !b.has(s)).sort(),
  };
}
