import * as z from "zod";
import { stableHash } from "../../core/index.ts";
import { DIMENSIONS, type Dimension } from "../taxonomy.ts";

const positive = z.number().positive();

/**
 * How flags become scores. Recorded with every score (and hashed), because a score without its formula cannot be
 * compared with another one.
 *
 * Per chunk and dimension (CoSER's penalty rule, with our severities):
 *   score = clamp(100 − pointsPerUnit × max(0, Σ severityWeight(flag) − allowancePerTurn × npcTurns), 0, 100)
 * The allowance forgives a small, length-proportional amount of flagged severity, so a chunk with more NPC turns
 * is not penalised just for having more chances to err (CoSER uses 0.3 per round on a 1–5 severity scale; we use
 * 0.1 per NPC turn on 1–3, i.e. one minor flag per 10 NPC turns is free).
 * A session's dimension score is the NPC-turn-weighted mean of its chunks; a category is the weighted mean of its
 * dimensions (weights configurable, default equal); Overall = 0.50·Worlds + 0.25·Stories + 0.25·UserPreferences.
 */
export const ScoringConfigSchema = z.strictObject({
  /** Names the formula; bump when its meaning changes. */
  formula: z.literal("deduction-v1").default("deduction-v1"),
  pointsPerUnit: positive.default(5),
  allowancePerTurn: z.number().nonnegative().default(0.1),
  severityWeights: z
    .strictObject({ "1": z.number().nonnegative(), "2": z.number().nonnegative(), "3": z.number().nonnegative() })
    .default({ "1": 1, "2": 2, "3": 3 }),
  /** Relative weights of the dimensions inside their category (default equal). */
  dimensionWeights: z
    .strictObject(
      Object.fromEntries(DIMENSIONS.map((d) => [d, z.number().nonnegative()])) as Record<Dimension, z.ZodNumber>,
    )
    .default(Object.fromEntries(DIMENSIONS.map((d) => [d, 1])) as Record<Dimension, number>),
  /** Count flags whose quote did not verify (default: no; they stay visible in reports). */
  includeUnverified: z.boolean().default(false),
  /** Whether rule-based detector flags only appear in reports or also deduct points. */
  detectorFlags: z.enum(["report", "score"]).default("report"),
});
export type ScoringConfig = z.infer<typeof ScoringConfigSchema>;
export type ScoringConfigInput = z.input<typeof ScoringConfigSchema>;

/** The default formula, fully spelled out. */
export const DEFAULT_SCORING: ScoringConfig = ScoringConfigSchema.parse({});

/** Parse a partial scoring config (from a file or flags) into a complete one; errors name the bad field. */
export function resolveScoringConfig(input: ScoringConfigInput = {}): ScoringConfig {
  return ScoringConfigSchema.parse(input);
}

/** Short stable id of a scoring config, stored beside every score. */
export function scoringConfigHash(config: ScoringConfig): string {
  return stableHash(config).slice(0, 12);
}
