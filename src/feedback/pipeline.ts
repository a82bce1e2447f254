import type { StoredFeedbackEvent } from "./event-schema.ts";
import { DEFAULT_EXPOSURE_RULE, examinedCandidates } from "./exposure.ts";
import { applyFilters, buildFilters, type FilterReport } from "./filters.ts";
import { deriveLabels, LabelConfigSchema, type LabelStats, weighSessions } from "./labels.ts";
import { choiceObservations, estimatePositionBias, type PositionBias } from "./position-bias.ts";
import {
  DEFAULT_WEIGHT_OPTIONS,
  effectiveSampleSize,
  type Stratum,
  stratify,
  type WeightedLabel,
  type WeightOptions,
  weighLabels,
} from "./weights.ts";

/** Settings of one pass from events to weighted labels. */
export interface PipelineOptions {
  filters?: unknown;
  labels?: unknown;
  weights?: Partial<WeightOptions>;
  /** Skip position-bias correction (naive labels). */
  positionBias?: boolean;
  /** Skip filtering entirely (naive labels). */
  filter?: boolean;
  /** List every dropped event id in the filter reports. */
  collectDropped?: boolean;
}

/** Everything a pass produced, for exports and reports. */
export interface PipelineResult {
  input: number;
  kept: StoredFeedbackEvent[];
  filters: FilterReport[];
  labelStats: LabelStats;
  bias: PositionBias;
  labels: WeightedLabel[];
  ess: number;
  strata: { user: Stratum[]; character: Stratum[]; length: Stratum[] };
}

function wordBucket(words: number | undefined): string {
  if (words === undefined) return "unknown";
  return words < 50 ? "<50" : words < 150 ? "50-149" : words < 300 ? "150-299" : "300+";
}

/**
 * Filters → exposure → labels → session weights → position bias → clipped, self-normalised IPS weights with
 * per-user caps → strata by user, character and reply length, and the effective sample size. Pure.
 */
export function runPipeline(events: readonly StoredFeedbackEvent[], options: PipelineOptions = {}): PipelineResult {
  const { kept, reports } =
    options.filter === false
      ? { kept: [...events], reports: [] }
      : applyFilters(events, buildFilters(options.filters), { collectDropped: options.collectDropped ?? false });
  const labelConfig = LabelConfigSchema.parse(options.labels ?? {});
  const seen = examinedCandidates(kept, DEFAULT_EXPOSURE_RULE);
  const derived = deriveLabels(kept, labelConfig, seen);
  const sessioned = weighSessions(derived.labels, kept, labelConfig.session_cap_ms);
  const bias =
    options.positionBias === false
      ? { theta: [1], method: "none" as const, groups: 0 }
      : estimatePositionBias(choiceObservations(kept, (id) => wordBucket(seen.get(id)?.words)));
  const labels = weighLabels(sessioned, bias, { ...DEFAULT_WEIGHT_OPTIONS, ...options.weights });
  const lengthOf = (l: WeightedLabel) => wordBucket(seen.get(l.chosen ?? l.completion ?? "")?.words);
  return {
    input: events.length,
    kept,
    filters: reports,
    labelStats: derived.stats,
    bias,
    labels,
    ess: effectiveSampleSize(labels.map((l) => l.finalWeight)),
    strata: {
      user: stratify(labels, (l) => l.userId),
      character: stratify(labels, (l) => l.characterId ?? "unknown"),
      length: stratify(labels, lengthOf),
    },
  };
}
