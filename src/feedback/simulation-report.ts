import type { StoredFeedbackEvent } from "./event-schema.ts";
import { type PipelineResult, runPipeline } from "./pipeline.ts";
import type { Actor, SimulationTruth } from "./simulate.ts";
import type { WeightedLabel } from "./weights.ts";

/** Filters that exist to stop abuse and broken clients (the others drop unusable human data on purpose). */
export const ABUSE_FILTERS = ["test_accounts", "clock_skew", "duplicates", "bursts", "bot_like", "impossible_timing"];

/** How the learner did against the simulator's hidden truth. */
export interface SimulationReport {
  events: { total: number; byActor: Record<string, number> };
  pairs: {
    naive: { pairs: number; accuracy: number };
    denoised: { pairs: number; accuracy: number; unweightedAccuracy: number; ess: number };
    /** The denoised pipeline with one part switched off, to show what each part buys. */
    ablations: { noFilters: number; allSiblings: number; noPositionWeights: number };
  };
  dwell: {
    naive: { labels: number; mislabelRate: number };
    controlled: { labels: number; mislabelRate: number };
  };
  filters: {
    /** Share of bot, burst and test-account events dropped by any filter. */
    abuseCaught: number;
    /** Share of human events dropped by the abuse filters. */
    humanDroppedByAbuseFilters: number;
    /** Share of human events dropped by any filter (includes unexamined verdicts and short sessions). */
    humanDroppedByAny: number;
    perFilter: Array<{ name: string; dropped: number; byActor: Record<string, number> }>;
  };
  positionBias: { method: string; theta: number[] };
}

/** Accuracy of pair labels against true utilities; a pair whose truth is unknown (a bot's) counts as a coin flip. */
function pairAccuracy(labels: readonly WeightedLabel[], truth: SimulationTruth, weighted: boolean) {
  let right = 0;
  let total = 0;
  let pairs = 0;
  for (const l of labels) {
    if (l.kind !== "pair") continue;
    pairs++;
    const w = weighted ? l.finalWeight : 1;
    const c = truth.utility.get(l.chosen as string);
    const r = truth.utility.get(l.rejected as string);
    const score = c === undefined || r === undefined ? 0.5 : c > r ? 1 : 0;
    right += w * score;
    total += w;
  }
  return { pairs, accuracy: total > 0 ? right / total : 0 };
}

function dwellMislabels(result: PipelineResult, truth: SimulationTruth) {
  const dwell = result.labels.filter((l) => l.source === "dwell" && l.label === true);
  const wrong = dwell.filter((l) => truth.liked.get(l.completion as string) === false).length;
  return { labels: dwell.length, mislabelRate: dwell.length ? wrong / dwell.length : 0 };
}

/**
 * Score naive labels (no filters, every sibling a loser, wall-clock dwell, no position correction) and denoised
 * labels (the default pipeline) against the simulation's truth, and the filters against who really sent what.
 */
export function scoreSimulation(
  events: readonly StoredFeedbackEvent[],
  truth: SimulationTruth,
  options: { filters?: unknown; labels?: unknown } = {},
): SimulationReport {
  const actorOf = (e: StoredFeedbackEvent): Actor => truth.actor.get(e.event_id) ?? "human";
  const byActor: Record<string, number> = {};
  for (const e of events) byActor[actorOf(e)] = (byActor[actorOf(e)] ?? 0) + 1;
  const naive = runPipeline(events, {
    filter: false,
    positionBias: false,
    labels: { examined_only: false, dwell: { mode: "naive" } },
  });
  const denoised = runPipeline(events, { filters: options.filters, labels: options.labels, collectDropped: true });
  const naiveDwell = runPipeline(events, { labels: { dwell: { mode: "naive" } }, filters: options.filters });
  const kept = new Set(denoised.kept.map((e) => e.event_id));
  const dropped = events.filter((e) => !kept.has(e.event_id));
  const byId = new Map(events.map((e) => [e.event_id, e]));
  const perFilter = denoised.filters.map((f) => {
    const counts: Record<string, number> = {};
    for (const id of f.droppedIds ?? []) {
      const actor = actorOf(byId.get(id) as StoredFeedbackEvent);
      counts[actor] = (counts[actor] ?? 0) + 1;
    }
    return { name: f.name, dropped: f.dropped, byActor: counts };
  });
  const abuseDroppedHumans = perFilter
    .filter((f) => ABUSE_FILTERS.includes(f.name))
    .reduce((s, f) => s + (f.byActor.human ?? 0), 0);
  const abuse = events.filter((e) => actorOf(e) !== "human").length;
  const abuseDropped = dropped.filter((e) => actorOf(e) !== "human").length;
  const humans = byActor.human ?? 0;
  const naivePairs = pairAccuracy(naive.labels, truth, false);
  const denoisedPairs = pairAccuracy(denoised.labels, truth, true);
  return {
    events: { total: events.length, byActor },
    pairs: {
      naive: naivePairs,
      denoised: {
        ...denoisedPairs,
        unweightedAccuracy: pairAccuracy(denoised.labels, truth, false).accuracy,
        ess: effective(denoised.labels.filter((l) => l.kind === "pair")),
      },
      ablations: {
        noFilters: pairAccuracy(runPipeline(events, { filter: false, labels: options.labels }).labels, truth, true)
          .accuracy,
        allSiblings: pairAccuracy(
          runPipeline(events, { filters: options.filters, labels: { examined_only: false } }).labels,
          truth,
          true,
        ).accuracy,
        noPositionWeights: pairAccuracy(
          runPipeline(events, { filters: options.filters, labels: options.labels, positionBias: false }).labels,
          truth,
          true,
        ).accuracy,
      },
    },
    dwell: { naive: dwellMislabels(naiveDwell, truth), controlled: dwellMislabels(denoised, truth) },
    filters: {
      abuseCaught: abuse ? abuseDropped / abuse : 1,
      humanDroppedByAbuseFilters: humans ? abuseDroppedHumans / humans : 0,
      humanDroppedByAny: humans ? dropped.filter((e) => actorOf(e) === "human").length / humans : 0,
      perFilter,
    },
    positionBias: { method: denoised.bias.method, theta: denoised.bias.theta.map((t) => Number(t.toFixed(3))) },
  };
}

function effective(labels: readonly WeightedLabel[]): number {
  let s = 0;
  let q = 0;
  for (const l of labels) {
    s += l.finalWeight;
    q += l.finalWeight ** 2;
  }
  return q > 0 ? (s * s) / q : 0;
}
