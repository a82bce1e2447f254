// Shared fixtures for the judge, detector and report tests: synthetic transcripts in the official turn shape.
import type { Flag } from "../../src/bench/judge/flag.ts";
import type { QuotableTurn } from "../../src/bench/judge/quote-check.ts";

/** A transcript of 2 scripted + `generated` turns; NPC turn at round r says "npc line r", user turn "user line r". */
export function syntheticTurns(generated = 100, text?: (round: number, role: "ai" | "user") => string): QuotableTurn[] {
  const turns: QuotableTurn[] = [];
  for (let round = 0; round < generated + 2; round++) {
    const role = round % 2 === 0 ? "ai" : "user";
    turns.push({ role, round, text: text ? text(round, role) : `${role === "ai" ? "npc" : "user"} line ${round}.` });
  }
  return turns;
}

/** A verified judge flag with defaults. */
export function flag(partial: Partial<Flag> & Pick<Flag, "round">): Flag {
  return {
    dimension: "interaction",
    subtype: "speaks_for_user",
    quote: "x",
    severity: 2,
    reason: "r",
    source: "judge",
    verified: true,
    verification: "ok",
    by: "judge-a",
    ...partial,
  };
}
