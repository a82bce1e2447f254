import * as z from "zod";
import { type ContextStrategy, isContextStrategy } from "./context-strategy.ts";
import { PERSONA_IDS } from "./persona.ts";
import { TRAP_IDS } from "./perturbation.ts";

const SamplingSchema = z.object({
  temperature: z.number().optional(),
  topP: z.number().optional(),
  maxTokens: z.number().int().positive().optional(),
});

/**
 * Everything that defines a bench run, stored with it: a resume, a worker on another machine, or a report reads
 * the same settings. Secrets never appear here (models are recorded by spec; keys come from each machine's config).
 */
export const RunConfigSchema = z.object({
  version: z.literal(1),
  suite: z.object({ name: z.string(), source: z.string(), hash: z.string() }),
  /** The `model_name` written into dialogues. */
  modelName: z.string(),
  player: z.object({
    /** "chat" for the default player; other kinds are supplied through the library API. */
    kind: z.string(),
    spec: z.string(),
    id: z.string(),
    params: SamplingSchema,
    describe: z.record(z.string(), z.unknown()),
  }),
  userSimulator: z.object({
    spec: z.string(),
    model: z.string(),
    params: SamplingSchema,
    promptVersion: z.string(),
    promptHash: z.string(),
    seesCard: z.boolean(),
    maxRegenerations: z.number().int().min(0),
    historyTurns: z.number().int().positive().optional(),
    personas: z.array(z.enum(PERSONA_IDS)),
    traps: z.array(z.enum(TRAP_IDS)),
  }),
  runs: z.number().int().positive(),
  turns: z.number().int().min(0),
  seed: z.number().int(),
  concurrency: z.number().int().positive(),
  budgetUsd: z.number().positive().optional(),
  /** Spending limits of single roles, in US dollars, besides the run's total (absent: no role limit). */
  roleBudgetsUsd: z
    .strictObject({ player: z.number().positive().optional(), "user-sim": z.number().positive().optional() })
    .optional(),
  /** What of the history the player is sent (absent on older runs: "full", the official protocol). */
  contextStrategy: z
    .string()
    .refine(isContextStrategy, { message: 'must be "full" or "window:<k>"' })
    .transform((s) => s as ContextStrategy)
    .optional(),
  troupeVersion: z.string().optional(),
});
export type RunConfig = z.infer<typeof RunConfigSchema>;
