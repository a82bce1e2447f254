import { type Label, withSessionWeight } from "./labels.ts";
import type { PositionBias } from "./position-bias.ts";

/** Effective sample size of weights: (Σw)² / Σw². Equal weights give n; one dominant weight gives ≈ 1. */
export function effectiveSampleSize(weights: readonly number[]): number {
  let sum = 0;
  let squares = 0;
  for (const w of weights) {
    sum += w;
    squares += w * w;
  }
  return squares > 0 ? (sum * sum) / squares : 0;
}

/** A label with its final training weight and the parts it was made of. */
export interface WeightedLabel extends Label {
  /** Inverse-propensity weight for position (clipped, before normalisation). */
  ipsWeight: number;
  /** weight × confidence × sessionWeight × ipsWeight × user cap factor, self-normalised to mean 1. */
  finalWeight: number;
}

/** How inverse-propensity weights are formed. */
export interface WeightOptions {
  /** Clip raw IPS weights at this value (variance control). */
  clip: number;
  /** No user may hold more than this share of the total weight (when there are enough users to allow it). */
  maxUserShare: number;
}

export const DEFAULT_WEIGHT_OPTIONS: WeightOptions = { clip: 10, maxUserShare: 0.02 };

function theta(bias: PositionBias, position: number | undefined): number {
  if (position === undefined) return 1;
  return bias.theta[Math.min(position, bias.theta.length - 1)] ?? 1;
}

/**
 * Clipped, self-normalised inverse-propensity weights. A pair's raw weight is 1 / (θ_chosen · θ_rejected): a
 * choice between candidates at rarely examined positions is evidence the logging policy seldom collects. Raw
 * weights are clipped at `clip`, multiplied by the label's reliability, confidence and session weight, capped per
 * user, and scaled to mean 1 (self-normalisation), so the total weight equals the label count.
 */
export function weighLabels(
  labels: readonly Label[],
  bias: PositionBias,
  options: WeightOptions = DEFAULT_WEIGHT_OPTIONS,
): WeightedLabel[] {
  const out: WeightedLabel[] = labels.map((l) => {
    const raw =
      l.kind === "pair"
        ? 1 / (theta(bias, l.positions.chosen) * theta(bias, l.positions.rejected))
        : 1 / theta(bias, l.positions.completion);
    const ipsWeight = Math.min(options.clip, raw);
    // Copied field by field (not spread) to keep one object shape: see newLabel in labels.ts.
    const w = withSessionWeight(l, l.sessionWeight) as WeightedLabel;
    w.ipsWeight = ipsWeight;
    w.finalWeight = l.weight * l.confidence * l.sessionWeight * ipsWeight;
    return w;
  });
  capUsers(out, options.maxUserShare);
  const total = out.reduce((s, l) => s + l.finalWeight, 0);
  const scale = total > 0 ? out.length / total : 0;
  for (const l of out) l.finalWeight *= scale;
  return out;
}

/**
 * Scale down users holding more than `share` of the total weight (iterating, since scaling one user changes the
 * total). Skipped when 1/share exceeds the number of users: the cap could not be met by anyone.
 */
function capUsers(labels: WeightedLabel[], share: number): void {
  const users = new Set(labels.map((l) => `${l.ownerId}\u0000${l.userId}`));
  if (users.size * share < 1) return;
  for (let round = 0; round < 20; round++) {
    const byUser = new Map<string, number>();
    let total = 0;
    for (const l of labels) {
      const k = `${l.ownerId}\u0000${l.userId}`;
      byUser.set(k, (byUser.get(k) ?? 0) + l.finalWeight);
      total += l.finalWeight;
    }
    const over = [...byUser].filter(([, w]) => w > share * total * (1 + 1e-9));
    if (over.length === 0) return;
    const capped = new Set(over.map(([k]) => k));
    const restTotal = [...byUser].filter(([k]) => !capped.has(k)).reduce((s, [, w]) => s + w, 0);
    // Each capped user gets exactly share × the new total: share·T' where T' = rest / (1 − share·|capped|).
    const target = (share * restTotal) / Math.max(1e-12, 1 - share * capped.size);
    for (const l of labels) {
      const k = `${l.ownerId}\u0000${l.userId}`;
      if (capped.has(k)) l.finalWeight *= target / (byUser.get(k) as number);
    }
  }
}

/** One stratum's share of the data. */
export interface Stratum {
  key: string;
  labels: number;
  weight: number;
  ess: number;
}

/** Strata of weighted labels by a key (user, character, length bucket), largest weight first. */
export function stratify(labels: readonly WeightedLabel[], key: (l: WeightedLabel) => string): Stratum[] {
  const groups = new Map<string, number[]>();
  for (const l of labels) {
    const k = key(l);
    const list = groups.get(k);
    if (list) list.push(l.finalWeight);
    else groups.set(k, [l.finalWeight]);
  }
  return [...groups]
    .map(([k, w]) => ({ key: k, labels: w.length, weight: w.reduce((a, b) => a + b, 0), ess: effectiveSampleSize(w) }))
    .sort((a, b) => b.weight - a.weight);
}
