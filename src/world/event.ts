import * as z from "zod";

/** The five kinds of ledger event (issue 6): what happened, what changed, what may happen, edits, summaries. */
export const EventKindSchema = z.enum(["happened", "changed", "may_happen", "user_edit", "summary"]);
export type EventKind = z.infer<typeof EventKindSchema>;

/** A subject–predicate–object statement about the world ("Mara" "at" "the tavern"). */
export const TripleSchema = z.object({
  subject: z.string().min(1).describe("an entity name, e.g. Mara"),
  predicate: z.string().min(1).describe("a relation, e.g. at, holds, status, trusts, goal"),
  object: z.string().describe("a value or another entity's name"),
});
export type Triple = z.infer<typeof TripleSchema>;

const importance = z
  .number()
  .int()
  .min(1)
  .max(10)
  .default(3)
  .describe("1 = mundane (a greeting), 10 = life-changing (a death, a betrayal)");

/** Something occurred: an action, a line of dialogue, a discovery. */
export const HappenedSchema = z.object({
  description: z.string().min(1),
  actor: z.string().optional().describe("who did it (one character, or absent for a world occurrence)"),
  location: z.string().optional(),
  utterance: z.object({ speaker: z.string().min(1), text: z.string() }).optional(),
  importance,
  resolves: z.array(z.string()).default([]).describe("ids of may_happen hooks this settles"),
  uses: z.array(TripleSchema).default([]).describe("facts the actor relied on or revealed"),
  tells: z.object({ to: z.array(z.string()), facts: z.array(TripleSchema) }).optional(),
});

/**
 * A state change. `set` replaces every current value of (subject, predicate) — one location, one status at a
 * time; `add` adds one value beside the others (holds, trusts); `remove` ends one value ("*" ends all).
 */
export const ChangedSchema = TripleSchema.extend({
  op: z.enum(["set", "add", "remove"]).default("set"),
  how: z.enum(["witnessed", "told", "inferred"]).default("witnessed"),
  importance,
  resolves: z.array(z.string()).default([]),
});

/** A hook: something that may happen, with an optional condition and story-time deadline. */
export const MayHappenSchema = z.object({
  description: z.string().min(1),
  condition: z.string().optional(),
  deadline: z.number().int().nonnegative().optional().describe("story minutes since the epoch"),
  involves: z.array(z.string()).default([]),
  importance,
});

/** A user's edit. Fact edits may be retroactive (`validFrom` earlier than now): they supersede, never delete. */
export const UserEditSchema = z.discriminatedUnion("op", [
  TripleSchema.extend({
    op: z.enum(["set", "add", "remove"]),
    validFrom: z.number().int().nonnegative().optional(),
    hard: z.boolean().default(false).describe("a lore hard fact the consistency check defends"),
    reason: z.string().optional(),
  }),
  z.object({ op: z.literal("strike"), eventId: z.string().min(1), reason: z.string().optional() }),
  z.object({ op: z.literal("resolve_hook"), hookId: z.string().min(1), reason: z.string().optional() }),
]);

/** A summary of a stretch of the story; it cites the events it was made from. */
export const SummarySchema = z.object({
  text: z.string().min(1),
  cites: z.array(z.string()).min(1),
  fromTurn: z.number().int().nonnegative(),
  toTurn: z.number().int().nonnegative(),
});

const base = {
  id: z.string().min(1),
  /** Node (commit) the event belongs to. */
  node: z.string().min(1),
  /** Branch the event was created on (its node may later be reachable from other branches too). */
  branch: z.string().min(1),
  /** The node this event's turn hangs under (the previous turn); null only for the root. */
  parent: z.string().nullable(),
  turn: z.number().int().nonnegative(),
  storyTime: z.number().int().nonnegative(),
  causedBy: z.array(z.string()).default([]),
  /** Characters who perceived it; "*" means everyone (common knowledge). */
  witnesses: z.array(z.string()).default([]),
  /** Wall-clock ms when recorded (informational; ordering uses the ledger). */
  recordedAt: z.number().int().nonnegative().default(0),
};

/** One immutable ledger event. */
export const WorldEventSchema = z.discriminatedUnion("kind", [
  z.object({ ...base, kind: z.literal("happened"), payload: HappenedSchema }),
  z.object({ ...base, kind: z.literal("changed"), payload: ChangedSchema }),
  z.object({ ...base, kind: z.literal("may_happen"), payload: MayHappenSchema }),
  z.object({ ...base, kind: z.literal("user_edit"), payload: UserEditSchema }),
  z.object({ ...base, kind: z.literal("summary"), payload: SummarySchema }),
]);
export type WorldEvent = z.infer<typeof WorldEventSchema>;
export type WorldEventInput = z.input<typeof WorldEventSchema>;
export type HappenedPayload = z.infer<typeof HappenedSchema>;
export type ChangedPayload = z.infer<typeof ChangedSchema>;
export type MayHappenPayload = z.infer<typeof MayHappenSchema>;
export type UserEditPayload = z.infer<typeof UserEditSchema>;
export type SummaryPayload = z.infer<typeof SummarySchema>;

/** What a node is for: a line of the conversation, an edit, a summary, off-screen simulation, or the root. */
export const NodeKindSchema = z.enum(["root", "turn", "edit", "summary", "offscreen"]);
export type NodeKind = z.infer<typeof NodeKindSchema>;

/**
 * A commit: one turn's events, hung under its parent. Swipes and regenerations are siblings (same parent);
 * `turn` is the node's depth, so turn t on a branch is the t-th commit from the root.
 */
export interface WorldNode {
  id: string;
  parent: string | null;
  turn: number;
  storyTime: number;
  kind: NodeKind;
  /** The character who spoke this turn's line, if any (the user's name for the user's own lines). */
  speaker?: string;
  /** The line itself, if any. */
  text?: string;
  branch: string;
  createdAt: number;
  events: WorldEvent[];
  /** Free-form details: the context manifest, accepted violations, the model that generated the line. */
  meta?: Record<string, unknown>;
}

/** A named head pointer. `proposal` branches hold off-screen simulation awaiting the user's decision. */
export interface Branch {
  name: string;
  head: string;
  status: "active" | "proposal" | "accepted" | "discarded";
  /** Where a proposal branch forked from (its base). */
  base?: string;
  createdAt: number;
  updatedAt: number;
}
