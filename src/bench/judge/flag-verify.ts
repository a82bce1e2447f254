import { dimensionOf } from "../taxonomy.ts";
import type { Chunk } from "./chunk-plan.ts";
import type { Flag } from "./flag.ts";
import type { JudgeFlag } from "./judge-reply.ts";
import { checkQuote } from "./quote-check.ts";

/**
 * Turn a judge's raw flags for one chunk into checked flags: the dimension is derived from the subtype, and every
 * quote is looked up in the round it cites. Unverified flags are kept with the reason, never dropped.
 */
export function verifyJudgeFlags(flags: readonly JudgeFlag[], chunk: Chunk, by: string): Flag[] {
  const turns = [...chunk.context, ...chunk.turns];
  const scored = new Set(chunk.scoredRounds);
  return flags.map((f) => {
    const check = checkQuote(f, turns, scored);
    return {
      dimension: dimensionOf(f.subtype),
      subtype: f.subtype,
      round: f.round,
      quote: f.quote,
      severity: f.severity,
      reason: f.reason,
      source: "judge",
      verified: check.status === "ok",
      verification: check.status,
      ...(check.foundAtRound === undefined ? {} : { foundAtRound: check.foundAtRound }),
      by,
    };
  });
}
