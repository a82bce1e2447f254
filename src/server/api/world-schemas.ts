// The JSON shapes of a world-backed chat's routes: facts, events, causal chains, knowledge, branches, manifests and
// away proposals. Plain data; every field is what src/world and src/chat/world-chat produce.
import * as z from "zod";

/** A point on both axes a fact's validity is measured on. */
export const TimePointSchema = z.object({
  turn: z.number().int().describe("the turn (depth on the branch)"),
  storyTime: z.number().describe("story minutes since the epoch"),
});

/** A fact version, bi-temporal: when it was true in the story, and when the ledger believed it. */
export const FactSchema = z.object({
  id: z.string(),
  subject: z.string(),
  predicate: z.string(),
  object: z.string(),
  validFrom: TimePointSchema,
  validTo: TimePointSchema.optional().describe("absent while it still holds"),
  recordedTurn: z.number().int(),
  supersededTurn: z.number().int().optional().describe("set when a later edit replaced this version"),
  supersededBy: z.string().optional(),
  sourceEvent: z.string().describe("the event that asserted it"),
  closedBy: z.string().optional().describe("the event whose change ended it"),
  hard: z.boolean().describe("a lore hard fact the consistency check defends"),
});

/** One ledger event as stored; `payload` depends on `kind`. */
export const WorldEventSchema = z.object({
  id: z.string(),
  kind: z.enum(["happened", "changed", "may_happen", "user_edit", "summary"]),
  node: z.string(),
  branch: z.string(),
  parent: z.string().nullable(),
  turn: z.number().int(),
  storyTime: z.number(),
  causedBy: z.array(z.string()),
  witnesses: z.array(z.string()).describe('"*" means everyone'),
  recordedAt: z.number(),
  payload: z.record(z.string(), z.unknown()),
});

/**
 * One link of a causal chain: an event and the events that caused it. Recursive, so it is registered under an id:
 * the OpenAPI document then holds it once as a component and refers to it.
 */
export const CauseNodeSchema = z
  .object({
    event: WorldEventSchema,
    get causes(): z.ZodArray<typeof CauseNodeSchema> {
      return z.array(CauseNodeSchema);
    },
    repeated: z.boolean().optional().describe("already shown higher up (the chain is a DAG)"),
  })
  .meta({ id: "WorldCauseNode" });

/** How one character came to know a fact version. */
export const KnowledgeSchema = z.object({
  who: z.string(),
  fact: z.string(),
  how: z.enum(["witnessed", "told", "inferred", "edit"]),
  turn: z.number().int(),
  via: z.string().optional(),
  event: z.string(),
});

/** Why a fact holds (or held), with the same explanation as readable lines. */
export const WhySchema = z.object({
  fact: FactSchema,
  holdsNow: z.boolean(),
  chain: CauseNodeSchema,
  closedBy: WorldEventSchema.optional(),
  supersededBy: WorldEventSchema.optional(),
  knownBy: z.array(KnowledgeSchema),
  lines: z.array(z.string()),
});

export const FactsAsOfSchema = z.object({
  turn: z.number().int(),
  storyTime: z.number(),
  facts: z.array(FactSchema),
});

export const TimelineTurnSchema = z.object({
  nodeId: z.string(),
  turn: z.number().int(),
  storyTime: z.number(),
  kind: z.string().describe("turn, edit, summary, offscreen or root"),
  speaker: z.string().optional(),
  text: z.string().optional(),
  events: z.array(
    z.object({
      id: z.string(),
      kind: z.string(),
      text: z.string().describe("the event as a short readable phrase"),
      causedBy: z.array(z.string()),
      witnesses: z.array(z.string()),
    }),
  ),
});

export const CharacterKnowledgeSchema = z.object({
  character: z.string(),
  beliefs: z.array(
    z.object({
      fact: FactSchema,
      stale: z.boolean().describe("the world has since closed this version; the character has not learned it"),
      how: z.string().optional(),
      via: z.string().optional(),
      turn: z.number().int().optional(),
    }),
  ),
});

export const BranchViewSchema = z.object({
  name: z.string(),
  status: z.enum(["active", "proposal", "accepted", "discarded"]),
  head: z.string(),
  headTurn: z.number().int(),
  base: z.string().optional().describe("the node it forked at"),
  baseTurn: z.number().int().optional(),
  forkedFrom: z.string().optional().describe("the branch the fork node was recorded on"),
  current: z.boolean(),
  createdAt: z.number(),
  updatedAt: z.number(),
});

export const BranchesSchema = z.object({ current: z.string(), branches: z.array(BranchViewSchema) });

/** The context manifest of one generated line: every item considered for the prompt, with the reason. */
export const ManifestSchema = z.object({
  speaker: z.string(),
  turn: z.number().int(),
  storyTime: z.number(),
  budget: z.number(),
  used: z.number(),
  items: z.array(
    z.object({
      kind: z.string(),
      id: z.string(),
      preview: z.string(),
      tokens: z.number(),
      included: z.boolean(),
      reason: z.string(),
      score: z
        .object({ recency: z.number(), importance: z.number(), relevance: z.number(), total: z.number() })
        .optional(),
    }),
  ),
  retrieval: z.object({
    weights: z.object({ recency: z.number(), importance: z.number(), relevance: z.number() }),
    halfLifeTurns: z.number(),
    halfLifeHours: z.number(),
  }),
});

/** A line of the chat as the world holds it. */
export const WorldMessageSchema = z.object({
  nodeId: z.string(),
  parentNodeId: z.string().nullable(),
  turn: z.number().int(),
  role: z.enum(["user", "assistant"]),
  speaker: z.string(),
  text: z.string(),
  storyTime: z.number(),
  createdAt: z.number(),
  siblingCount: z.number().int(),
  siblingIndex: z.number().int(),
  model: z.string().optional(),
  greeting: z.boolean().optional(),
});

export const TranscriptSchema = z.object({ branch: z.string(), messages: z.array(WorldMessageSchema) });

/** What happened while the user was away: a proposal branch to accept or discard. */
export const AwayProposalSchema = z.object({
  id: z.string().describe("accept or discard it by this id"),
  branch: z.string(),
  base: z.string(),
  fromStoryTime: z.number(),
  toStoryTime: z.number(),
  steps: z.array(
    z.object({
      actor: z.string(),
      storyTime: z.number(),
      action: z.string(),
      changes: z.array(z.string()),
      node: z.string().optional(),
      rejected: z.string().optional().describe("why the step was not committed"),
    }),
  ),
  text: z.string().describe("the digest as readable text"),
  status: z.enum(["active", "proposal", "accepted", "discarded"]),
});
