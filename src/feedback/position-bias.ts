import type { StoredFeedbackEvent } from "./event-schema.ts";

/** Relative examination probability per displayed position, θ_0 = 1. */
export interface PositionBias {
  /** θ_k for k = 0 … max position seen (θ_0 = 1; deeper positions usually lower). */
  theta: number[];
  method: "randomized" | "em" | "none";
  /** Choice groups the estimate used. */
  groups: number;
}

/** One candidate shown at a position in a choice group, and whether it was the one kept. */
export interface ChoiceObservation {
  position: number;
  chosen: boolean;
  /** What makes two candidates comparable for the EM's relevance term (e.g. a length bucket). */
  itemKey: string;
  randomized: boolean;
}

/** Choice groups from reply events that name their candidate group and positions. */
export function choiceObservations(
  events: readonly StoredFeedbackEvent[],
  itemKey: (candidateId: string) => string = () => "any",
): ChoiceObservation[] {
  const out: ChoiceObservation[] = [];
  for (const e of events) {
    if (e.type !== "reply" || !e.candidate_ids || !e.positions || e.candidate_ids.length < 2) continue;
    const chosen = e.payload.chosen_candidate_id ?? e.candidate_id;
    const randomized = e.order_propensity !== undefined && e.order_propensity < 1;
    e.candidate_ids.forEach((id, i) => {
      const position = e.positions?.[i];
      if (position !== undefined) out.push({ position, chosen: id === chosen, itemKey: itemKey(id), randomized });
    });
  }
  return out;
}

function groupCount(observations: readonly ChoiceObservation[]): number {
  return observations.filter((o) => o.chosen).length;
}

/**
 * Position bias from randomized orders (Joachims' swap intervention generalised to RandTop-N): with the order
 * shuffled, relevance is independent of position, so the choice rate at position k over the rate at position 0
 * estimates θ_k/θ_0. Uses only observations whose order was randomized.
 */
export function positionBiasFromRandomized(observations: readonly ChoiceObservation[], smoothing = 1): PositionBias {
  const rand = observations.filter((o) => o.randomized);
  if (rand.length === 0) return { theta: [1], method: "none", groups: 0 };
  const max = Math.max(...rand.map((o) => o.position));
  const shown = new Array<number>(max + 1).fill(0);
  const chosen = new Array<number>(max + 1).fill(0);
  for (const o of rand) {
    shown[o.position] = (shown[o.position] as number) + 1;
    if (o.chosen) chosen[o.position] = (chosen[o.position] as number) + 1;
  }
  // Additive smoothing keeps a rarely shown position from getting θ = 0 (an infinite weight).
  const rate = shown.map((n, k) => ((chosen[k] as number) + smoothing) / (n + 2 * smoothing));
  const r0 = rate[0] as number;
  return { theta: rate.map((r) => Math.min(1, r / r0)), method: "randomized", groups: groupCount(rand) };
}

/**
 * Position-based click model fitted by EM (regression-EM of Wang et al. 2018 with relevance per item key):
 * P(chosen) = θ_position · γ_item. Where no order was randomized this separates examination from relevance as
 * far as items of one key appear at several positions. θ is scaled so θ_0 = 1.
 */
export function positionBiasEm(observations: readonly ChoiceObservation[], iterations = 50): PositionBias {
  if (observations.length === 0) return { theta: [1], method: "none", groups: 0 };
  const max = Math.max(...observations.map((o) => o.position));
  let theta = new Array<number>(max + 1).fill(0.5);
  const keys = [...new Set(observations.map((o) => o.itemKey))];
  const keyIndex = new Map(keys.map((k, i) => [k, i]));
  // Plain arrays indexed by key number: this loop runs observations × iterations times.
  const obsKey = Int32Array.from(observations, (o) => keyIndex.get(o.itemKey) as number);
  let gamma = new Float64Array(keys.length).fill(0.5);
  for (let it = 0; it < iterations; it++) {
    const tNum = new Float64Array(max + 1);
    const tDen = new Float64Array(max + 1);
    const gNum = new Float64Array(keys.length);
    const gDen = new Float64Array(keys.length);
    for (let i = 0; i < observations.length; i++) {
      const o = observations[i] as ChoiceObservation;
      const key = obsKey[i] as number;
      const t = theta[o.position] as number;
      const g = gamma[key] as number;
      let pExamined = 1;
      let pRelevant = 1;
      if (!o.chosen) {
        const denom = 1 - t * g || 1e-12;
        pExamined = (t * (1 - g)) / denom;
        pRelevant = ((1 - t) * g) / denom;
      }
      tNum[o.position] = (tNum[o.position] as number) + pExamined;
      tDen[o.position] = (tDen[o.position] as number) + 1;
      gNum[key] = (gNum[key] as number) + pRelevant;
      gDen[key] = (gDen[key] as number) + 1;
    }
    theta = theta.map((t, k) => ((tDen[k] as number) > 0 ? clamp01((tNum[k] as number) / (tDen[k] as number)) : t));
    gamma = gamma.map((_, k) => clamp01((gNum[k] as number) / (gDen[k] as number)));
  }
  const t0 = theta[0] as number;
  return { theta: theta.map((t) => Math.min(1, t / (t0 || 1))), method: "em", groups: groupCount(observations) };
}

function clamp01(x: number): number {
  return Math.min(1 - 1e-6, Math.max(1e-6, x));
}

/** Randomized estimate when enough randomized groups exist, else EM over all groups. */
export function estimatePositionBias(
  observations: readonly ChoiceObservation[],
  minRandomizedGroups = 50,
): PositionBias {
  const randomizedGroups = groupCount(observations.filter((o) => o.randomized));
  if (randomizedGroups >= minRandomizedGroups) return positionBiasFromRandomized(observations);
  return positionBiasEm(observations);
}
