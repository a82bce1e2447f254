import * as z from "zod";
import { protocolProblem, TurnSchema } from "./turn.ts";

/** Usage of one role (player or user simulator) summed over a session. */
export const RoleTotalsSchema = z.object({
  calls: z.number().int(),
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  cost_usd: z.number(),
  retries: z.number().int(),
});
export type RoleTotals = z.infer<typeof RoleTotalsSchema>;

/** A problem the simulator QA found in a draft user turn, and what was done about it. */
export const QaEventSchema = z.object({
  attempt: z.number().int(),
  problem: z.enum(["empty", "speaks_as_npc", "leaks_instructions", "repeats_itself", "strips_own_name"]),
  detail: z.string(),
  action: z.enum(["regenerated", "accepted", "fallback", "repaired"]),
});
export type QaEvent = z.infer<typeof QaEventSchema>;

/** What troupe measured about one generated turn (scripted turns carry zeros). */
export const TurnMetaSchema = z.object({
  round: z.number().int(),
  source: z.enum(["script", "player", "user-sim"]),
  model: z.string(),
  latency_ms: z.number(),
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  cost_usd: z.number(),
  retries: z.number().int(),
  /** Calls made for this turn (more than 1 when simulator QA regenerated it). */
  attempts: z.number().int(),
  finish_reason: z.string(),
  seed: z.number().int(),
  /** The scheduled perturbation or trap this user turn carried, if any. */
  perturbation: z.string().optional(),
  qa: z.array(QaEventSchema).optional(),
});
export type TurnMeta = z.infer<typeof TurnMetaSchema>;

/**
 * troupe's metadata beside the official fields: what produced the dialogue, with which settings and seeds, and
 * what each turn cost. Official dialogues have none; unknown keys are kept so newer metadata loads in older code.
 */
export const DialogueMetaSchema = z.looseObject({
  source: z.literal("troupe"),
  run: z.string(),
  session: z.string(),
  lang: z.enum(["en", "zh"]),
  /** `failed`: the session stopped on an error of its own (`error` says which); `partial`: not finished yet. */
  status: z.enum(["complete", "partial", "failed"]),
  error: z.string().optional(),
  /** What of the history the player was sent each turn ("full", the official protocol, or "window:<k>"). */
  context_strategy: z.string().optional(),
  player: z.looseObject({ id: z.string(), spec: z.string(), params: z.record(z.string(), z.unknown()) }),
  user_simulator: z.looseObject({
    model: z.string(),
    params: z.record(z.string(), z.unknown()),
    prompt_version: z.string(),
    prompt_hash: z.string(),
    sees_card: z.boolean(),
    persona: z.string(),
    perturbations: z.array(z.object({ round: z.number().int(), kind: z.string() })),
  }),
  seeds: z.object({ run: z.number().int(), session: z.number().int() }),
  turns: z.array(TurnMetaSchema),
  totals: z.record(z.string(), RoleTotalsSchema),
});
export type DialogueMeta = z.infer<typeof DialogueMetaSchema>;

const key = z.string({ error: "must be a string" }).min(1, { error: "is empty" });

/** `dialogue` in the published files is a JSON string holding the array: parse it a second time. */
const dialogueField = z.preprocess(
  (value, ctx) => {
    if (typeof value !== "string") return value;
    try {
      return JSON.parse(value);
    } catch (error) {
      ctx.addIssue({ code: "custom", message: `is a string but not valid JSON (${(error as Error).message})` });
      return z.NEVER;
    }
  },
  z.array(TurnSchema, { error: "must be an array of turns (or a JSON string of one)" }),
);

/**
 * One session in the official role-play-bench dialogues shape `{seed_id, model_name, run_id, num_turns, dialogue}`,
 * plus troupe's optional `meta`. The same schema reads the published files and troupe's own transcripts, so both
 * go through one code path. `num_turns` must equal the number of turns, and rounds must follow the protocol.
 */
export const DialogueSchema = z
  .object({
    seed_id: key,
    model_name: key,
    run_id: key,
    num_turns: z.number({ error: "must be an integer" }).int({ error: "must be an integer" }).min(0),
    dialogue: dialogueField,
    meta: DialogueMetaSchema.optional(),
  })
  .superRefine((d, ctx) => {
    if (d.num_turns !== d.dialogue.length) {
      ctx.addIssue({
        code: "custom",
        path: ["num_turns"],
        message: `is ${d.num_turns} but dialogue has ${d.dialogue.length} turns`,
      });
    }
    const problem = protocolProblem(d.dialogue);
    if (problem) ctx.addIssue({ code: "custom", path: ["dialogue", problem.index, "round"], message: problem.message });
  });
export type Dialogue = z.infer<typeof DialogueSchema>;

/** The key that identifies a session across dialogues and evaluations. */
export function dialogueKey(d: { seed_id: string; model_name: string; run_id: string }): string {
  return `${d.seed_id}\u0000${d.model_name}\u0000${d.run_id}`;
}
