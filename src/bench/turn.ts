import * as z from "zod";

/**
 * One turn of a dialogue, exactly as role-play-bench stores it: the NPC speaks as "ai" on even rounds, the user as
 * "user" on odd rounds; round 0 is the prologue and round 1 the scripted first user message. Extra keys are
 * tolerated and dropped.
 */
export const TurnSchema = z.object({
  role: z.enum(["ai", "user"], { error: 'must be "ai" or "user"' }),
  round: z.number({ error: "must be an integer" }).int({ error: "must be an integer" }).min(0),
  text: z.string({ error: "must be a string" }),
});
export type Turn = z.infer<typeof TurnSchema>;

/** The role that speaks on a round under the bench protocol. */
export function roleForRound(round: number): Turn["role"] {
  return round % 2 === 0 ? "ai" : "user";
}

/** True for the two scripted turns (prologue and first user input) that are never scored as generated. */
export function isScriptedRound(round: number): boolean {
  return round < 2;
}

/**
 * Check that turns follow the protocol: rounds 0, 1, 2, … in order with no gaps, "ai" on even rounds and "user" on
 * odd ones. Returns the first problem as `{index, message}`, or undefined when the turns are well formed.
 */
export function protocolProblem(turns: readonly Turn[]): { index: number; message: string } | undefined {
  for (let i = 0; i < turns.length; i++) {
    const t = turns[i] as Turn;
    if (t.round !== i)
      return { index: i, message: `round ${t.round} where ${i} was expected (rounds must be 0, 1, 2, … in order)` };
    if (t.role !== roleForRound(i))
      return { index: i, message: `round ${i} has role "${t.role}", expected "${roleForRound(i)}"` };
  }
  return undefined;
}
