import * as z from "zod";
import { DimensionSchema, SubtypeSchema } from "../taxonomy.ts";

/**
 * Why a flag's evidence did or did not check out. Only `ok` counts as verified; the others keep the flag for
 * inspection (the report shows them struck through) but leave it out of the score by default.
 */
export const VERIFICATION_STATUSES = [
  "ok",
  "quote_not_found",
  "wrong_round",
  "not_npc_turn",
  "round_out_of_scope",
  "empty_quote",
] as const;
export const VerificationStatusSchema = z.enum(VERIFICATION_STATUSES);
export type VerificationStatus = z.infer<typeof VerificationStatusSchema>;

/** Who raised a flag: an LLM judge, or a rule-based detector. */
export const FlagSourceSchema = z.enum(["judge", "detector"]);
export type FlagSource = z.infer<typeof FlagSourceSchema>;

/** One concrete misalignment, anchored to a round and a verbatim quote. */
export const FlagSchema = z.strictObject({
  dimension: DimensionSchema,
  subtype: SubtypeSchema,
  /** The dialogue round the quote comes from (an NPC round: even, ≥ 2). */
  round: z.number().int().nonnegative(),
  quote: z.string(),
  severity: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  reason: z.string(),
  source: FlagSourceSchema,
  /** True when code found the quote in the cited round. */
  verified: z.boolean(),
  verification: VerificationStatusSchema,
  /** When the quote was found in another round of the chunk, that round (the judge mis-cited it). */
  foundAtRound: z.number().int().optional(),
  /** Judge model id, detector name, or the panel member whose wording a consensus flag keeps. */
  by: z.string(),
  /** For a panel consensus flag: how many judges raised a flag of this dimension at this round. */
  support: z.number().int().positive().optional(),
});
export type Flag = z.infer<typeof FlagSchema>;
export type Severity = Flag["severity"];
