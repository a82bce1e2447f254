import { kendallTauB, spearman } from "../../stats/index.ts";
import type { SessionScore } from "../scoring/session-score.ts";
import { DIMENSIONS, type Dimension } from "../taxonomy.ts";
import type { ReferenceSession } from "./reference-scores.ts";

/** Rank agreement between our scores and a reference, at one level. */
export interface RankAgreement {
  n: number;
  spearman: number | undefined;
  spearmanP: number | undefined;
  kendall: number | undefined;
  kendallP: number | undefined;
}

/** Agreement on one dimension, per session and per model. */
export interface DimensionCalibration {
  dimension: Dimension;
  session: RankAgreement;
  model: RankAgreement;
}

function agreement(x: number[], y: number[]): RankAgreement {
  if (x.length < 3)
    return { n: x.length, spearman: undefined, spearmanP: undefined, kendall: undefined, kendallP: undefined };
  const s = spearman(x, y);
  const k = kendallTauB(x, y);
  const fin = (v: number) => (Number.isFinite(v) ? v : undefined);
  return { n: x.length, spearman: fin(s.rho), spearmanP: fin(s.pValue), kendall: fin(k.tau), kendallP: fin(k.pValue) };
}

/**
 * Calibrate our judge against reference scores (official evaluations or human labels): per dimension, Spearman
 * and Kendall τ-b between our session scores and the reference's on the sessions both scored, and between model
 * means (models ranked the same way is what a leaderboard needs; with few models that number is fragile, which
 * `n` shows).
 */
export function scoreCorrelation(
  ours: readonly SessionScore[],
  reference: readonly ReferenceSession[],
): DimensionCalibration[] {
  const ref = new Map(reference.map((r) => [`${r.seedId}\u0000${r.modelName}\u0000${r.runId}`, r]));
  const pairs = ours
    .filter((s) => s.card)
    .map((s) => ({ s, r: ref.get(`${s.seedId}\u0000${s.modelName}\u0000${s.runId}`) }))
    .filter((p): p is { s: SessionScore; r: ReferenceSession } => p.r !== undefined);
  return DIMENSIONS.map((dimension) => {
    const both = pairs.filter((p) => p.r.scores[dimension] !== undefined);
    const x = both.map((p) => p.s.card!.dimensions[dimension]);
    const y = both.map((p) => p.r.scores[dimension]!);
    const byModel = new Map<string, { x: number[]; y: number[] }>();
    both.forEach((p, i) => {
      const m = byModel.get(p.s.modelName) ?? { x: [], y: [] };
      m.x.push(x[i]!);
      m.y.push(y[i]!);
      byModel.set(p.s.modelName, m);
    });
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const models = [...byModel.values()];
    return {
      dimension,
      session: agreement(x, y),
      model: agreement(
        models.map((m) => mean(m.x)),
        models.map((m) => mean(m.y)),
      ),
    };
  });
}
