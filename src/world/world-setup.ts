import * as z from "zod";

/** A character in the world's cast: a card's fields, kept as the card gave them. */
export const CastMemberSchema = z.object({
  name: z.string().min(1),
  description: z.string().default(""),
  personality: z.string().default(""),
  scenario: z.string().default(""),
  firstMessage: z.string().default(""),
  exampleMessages: z.string().default(""),
  systemPrompt: z.string().default(""),
  postHistoryInstructions: z.string().default(""),
  /** SillyTavern's talkativeness (0 = only when addressed, 1 = always eager); the director's prior. */
  talkativeness: z.number().min(0).max(1).default(0.5),
  /** The whole card as read (extensions included), so export can give it back unchanged. */
  card: z.unknown().optional(),
});
export type CastMember = z.infer<typeof CastMemberSchema>;

/** Everything a world is created from; stored once with the world. */
export const WorldSetupSchema = z.object({
  name: z.string().min(1),
  /** The user's display name ({{user}}). */
  userName: z.string().min(1).default("User"),
  /** The user's persona text. */
  persona: z.string().default(""),
  cast: z.array(CastMemberSchema).min(1),
  /**
   * Lorebooks in the cards module's V3 shape (the card's own book and any --lorebook), scanned together by the
   * cards activation engine. Kept opaque here: the cards module owns their schema.
   */
  lorebooks: z
    .array(
      z.object({
        name: z.string(),
        scope: z.enum(["chat", "persona", "character", "global"]).default("global"),
        book: z.unknown(),
      }),
    )
    .default([]),
  /** Story time of the first turn (story minutes since the epoch). */
  startTime: z
    .number()
    .int()
    .nonnegative()
    .default(8 * 60),
  director: z.object({ mode: z.enum(["auto", "round_robin", "manual"]).default("auto") }).default({ mode: "auto" }),
});
export type WorldSetup = z.infer<typeof WorldSetupSchema>;
export type WorldSetupInput = z.input<typeof WorldSetupSchema>;
