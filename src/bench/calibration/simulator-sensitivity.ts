import { kendallTauB, spearman } from "../../stats/index.ts";
import { nestByScenario, nestMean } from "../analysis/metrics.ts";
import type { ScoringConfig } from "../scoring/scoring-config.ts";
import type { SessionScore } from "../scoring/session-score.ts";

/** How much the model ranking depends on which model simulated the user. */
export interface SimulatorSensitivity {
  /** Models scored under both simulators, with their Overall under each. */
  models: Array<{ model: string; a: number; b: number; rankA: number; rankB: number }>;
  spearman: number | undefined;
  kendall: number | undefined;
}

function rank(values: number[]): number[] {
  const order = values.map((v, i) => ({ v, i })).sort((p, q) => q.v - p.v);
  const out = new Array<number>(values.length);
  order.forEach((o, r) => {
    out[o.i] = r + 1;
  });
  return out;
}

/**
 * Simulator sensitivity: the same models run with two different user-simulator models (sets `a` and `b`), ranked
 * by Overall under each; Spearman and Kendall between the two rankings (1 = the simulator does not change the
 * leaderboard). Only models present in both sets count.
 */
export function simulatorSensitivity(
  a: readonly SessionScore[],
  b: readonly SessionScore[],
  scoring: ScoringConfig,
): SimulatorSensitivity {
  const overall = (sessions: readonly SessionScore[]) => {
    const byModel = new Map<string, SessionScore[]>();
    for (const s of sessions) byModel.set(s.modelName, [...(byModel.get(s.modelName) ?? []), s]);
    const out = new Map<string, number>();
    for (const [model, list] of byModel) {
      const { nest } = nestByScenario(list, "overall", scoring);
      if (nest.length > 0) out.set(model, nestMean(nest));
    }
    return out;
  };
  const oa = overall(a);
  const ob = overall(b);
  const common = [...oa.keys()].filter((m) => ob.has(m)).sort();
  const va = common.map((m) => oa.get(m)!);
  const vb = common.map((m) => ob.get(m)!);
  const ra = rank(va);
  const rb = rank(vb);
  const fin = (v: number) => (Number.isFinite(v) ? v : undefined);
  return {
    models: common.map((model, i) => ({ model, a: va[i]!, b: vb[i]!, rankA: ra[i]!, rankB: rb[i]! })),
    spearman: common.length >= 3 ? fin(spearman(va, vb).rho) : undefined,
    kendall: common.length >= 2 ? fin(kendallTauB(va, vb).tau) : undefined,
  };
}
