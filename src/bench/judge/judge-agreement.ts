import { fleissKappaFromLabels, krippendorffAlpha } from "../../stats/index.ts";
import { DIMENSIONS, type Dimension } from "../taxonomy.ts";
import type { ChunkJudgement } from "./chunk-judgement.ts";

/** Agreement between the judges of a panel on one dimension. */
export interface DimensionAgreement {
  dimension: Dimension;
  /** Krippendorff's α (nominal) over "flagged this NPC round or not"; handles judges that failed on a chunk. */
  alpha: number | undefined;
  /** Fleiss' κ over the units every judge rated (undefined when there are none, or no variation). */
  kappa: number | undefined;
  /** Share of units on which all judges gave the same answer. */
  percentAgreement: number | undefined;
  /** Units (NPC rounds) rated by at least two judges. */
  units: number;
  /** Units at least one judge flagged on this dimension. */
  flaggedUnits: number;
}

/**
 * Inter-judge agreement per dimension. The unit is one scored NPC round; each judge's value is 1 when it raised an
 * eligible flag of the dimension at that round, else 0, and missing when it failed on the chunk. Binary flags are
 * sparse, so κ and α can be low while raw agreement is high (the prevalence paradox): all three are reported,
 * with the number of flagged units, rather than one number that hides it. `sessions[s][j][c]` = judge j, chunk c.
 */
export function judgeAgreement(
  sessions: ReadonlyArray<ReadonlyArray<readonly ChunkJudgement[]>>,
  includeUnverified = false,
): DimensionAgreement[] {
  return DIMENSIONS.map((dimension) => {
    const units: Array<Array<number | null>> = [];
    for (const byJudge of sessions) {
      const chunkCount = Math.max(0, ...byJudge.map((j) => j.length));
      for (let c = 0; c < chunkCount; c++) {
        const verdicts = byJudge.map((j) => j[c]);
        const rounds = verdicts.find((v) => v)?.scoredRounds ?? [];
        const flagged = verdicts.map((v) =>
          v?.status === "ok"
            ? new Set(
                v.flags
                  .filter((f) => f.dimension === dimension && (f.verified || includeUnverified))
                  .map((f) => f.round),
              )
            : undefined,
        );
        for (const round of rounds) units.push(flagged.map((set) => (set ? (set.has(round) ? 1 : 0) : null)));
      }
    }
    const rated = units.filter((u) => u.filter((v) => v !== null).length >= 2);
    const complete = rated.filter((u) => u.every((v) => v !== null)) as number[][];
    const flaggedUnits = rated.filter((u) => u.includes(1)).length;
    const same = rated.filter((u) => new Set(u.filter((v) => v !== null)).size === 1).length;
    return {
      dimension,
      alpha: safe(() => krippendorffAlpha(rated, { level: "nominal" }).alpha),
      kappa: complete.length > 0 ? safe(() => fleissKappaFromLabels(complete).kappa) : undefined,
      percentAgreement: rated.length > 0 ? same / rated.length : undefined,
      units: rated.length,
      flaggedUnits,
    };
  });
}

function safe(f: () => number): number | undefined {
  try {
    const v = f();
    return Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined;
  }
}
