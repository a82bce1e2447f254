import * as z from "zod";
import { type ChatModel, type ChatRequest, generateObject, LlmError } from "../llm/index.ts";
import { TripleSchema } from "./event.ts";
import { factText, normalizePredicate } from "./fact.ts";
import type { EventDraft } from "./node-builder.ts";
import type { Projection } from "./projection.ts";
import { currentFacts, openHooks } from "./queries.ts";
import { formatStoryTime } from "./story-time.ts";

/** One event as an extraction model proposes it: a flat shape models fill in reliably. */
export const ExtractedEventSchema = z.object({
  ref: z.string().describe("a short local id such as e1, used to link causes within this answer"),
  kind: z.enum(["happened", "changed", "may_happen"]),
  description: z.string().describe("one sentence saying what happened, changed or may happen"),
  actor: z.string().optional().describe("who did it (one name), for happened"),
  location: z.string().optional(),
  op: z.enum(["set", "add", "remove"]).optional().describe("for changed: set (one value), add or remove"),
  subject: z.string().optional().describe("for changed: whose state changed"),
  predicate: z.string().optional().describe("for changed: at, holds, status, mood, trusts, goal, …"),
  object: z.string().optional().describe("for changed: the new value"),
  condition: z.string().optional().describe("for may_happen: what would trigger it"),
  deadlineMinutes: z.number().int().nonnegative().optional().describe("for may_happen: story minutes from now"),
  involves: z.array(z.string()).default([]),
  importance: z.number().int().min(1).max(10).default(3),
  causedBy: z.array(z.string()).default([]).describe("refs from this answer or ids of earlier events"),
  witnesses: z.array(z.string()).default([]).describe("characters who perceived it"),
  uses: z.array(TripleSchema).default([]).describe("facts the actor relied on or revealed"),
  tellsTo: z.array(z.string()).default([]).describe("who the actor told the `uses` facts to"),
  resolves: z.array(z.string()).default([]).describe("ids of open hooks this settles"),
});
export type ExtractedEvent = z.infer<typeof ExtractedEventSchema>;

/** The whole extraction answer. */
export const ExtractionSchema = z.object({
  minutesPassed: z
    .number()
    .int()
    .min(0)
    .max(60 * 24 * 365)
    .default(0)
    .describe("story minutes that passed during this line"),
  events: z.array(ExtractedEventSchema).max(16).default([]),
});
export type Extraction = z.infer<typeof ExtractionSchema>;

/** What extraction produced, ready to commit after the utterance event (#0). */
export interface ExtractionResult {
  drafts: EventDraft[];
  minutesPassed: number;
  /** Things a person should hear about: items that could not be used, a failed call. Never silent. */
  notices: string[];
}

/** The facts, hooks and events an extraction prompt shows, so the model reuses names and ids. */
export function extractionPrompt(
  p: Projection,
  input: { speaker: string; text: string; present: string[]; cast: string[]; userName: string },
): ChatRequest {
  const mentioned = (name: string) => input.text.toLowerCase().includes(name.toLowerCase());
  const facts = currentFacts(p)
    .filter((f) => f.predicate !== "type" && f.predicate !== "role")
    .filter((f) => input.present.includes(f.subject) || mentioned(f.subject) || mentioned(f.object))
    .slice(0, 60);
  const hooks = openHooks(p).slice(-15);
  const recent = p.nodes
    .slice(-4)
    .flatMap((n) => n.events)
    .filter((e) => e.kind === "happened" || e.kind === "changed")
    .slice(-12);
  const now = p.storyTimes[p.headTurn] ?? 0;
  const system = [
    "You keep the ledger of a role-play world. Read the new line and list, as events:",
    "- happened: what occurred (an action, a discovery, a promise). Do not repeat the spoken line itself.",
    "- changed: each change of world state it caused, as subject–predicate–object. Use op set for one-valued",
    "  predicates (at = location, status = alive/dead/…, mood), add/remove for holds and relations (trusts, ally_of).",
    "- may_happen: hooks for what may happen next (a threat, a plan, a promise), with a condition or deadline.",
    "Link causes with causedBy (refs from your answer or event ids shown below). Witnesses are the characters who",
    "perceived the event. Record only what the line states or clearly implies; invent nothing. Use names exactly as",
    `written. ${input.userName} is the user: record what ${input.userName} does only if ${input.userName} said it.`,
  ].join("\n");
  const user = [
    `Characters: ${[...input.cast, input.userName].join(", ")}. Present in the scene: ${input.present.join(", ")}.`,
    `Story time now: ${formatStoryTime(now)}.`,
    facts.length
      ? `Current facts:\n${facts.map((f) => `- ${factText(f)}`).join("\n")}`
      : "Current facts: none recorded yet.",
    hooks.length ? `Open hooks (id: description):\n${hooks.map((h) => `- ${h.id}: ${h.description}`).join("\n")}` : "",
    recent.length
      ? `Recent events (id: what):\n${recent.map((e) => `- ${e.id}: ${e.kind === "changed" ? factText(e.payload) : e.payload.description}`).join("\n")}`
      : "",
    `New line by ${input.speaker}:\n${input.text}`,
  ]
    .filter(Boolean)
    .join("\n\n");
  return {
    messages: [
      { role: "system", content: system },
      { role: "user", content: user },
    ],
    temperature: 0,
  };
}

/**
 * Turn extracted events into drafts that follow the utterance event (#0): local refs become "#k", unknown
 * causes are dropped with a notice, malformed items are skipped with a notice, and every event without causes
 * is caused by the line itself.
 */
export function draftsFromExtraction(
  extraction: Extraction,
  context: { storyTime: number; knownEvent: (id: string) => boolean; hookIds: Set<string>; defaultWitnesses: string[] },
): ExtractionResult {
  const notices: string[] = [];
  const usable = extraction.events.filter((e) => {
    if (e.kind === "changed" && (!e.subject || !e.predicate || e.object === undefined)) {
      notices.push(`extraction: change "${e.description}" has no subject/predicate/object; not recorded`);
      return false;
    }
    return true;
  });
  const refIndex = new Map<string, number>();
  for (const [i, e] of usable.entries()) refIndex.set(e.ref, i + 1);
  const drafts: EventDraft[] = usable.map((e) => {
    const causedBy: string[] = [];
    for (const c of e.causedBy) {
      const local = refIndex.get(c);
      if (local !== undefined) causedBy.push(`#${local}`);
      else if (context.knownEvent(c)) causedBy.push(c);
      else notices.push(`extraction: cause "${c}" of "${e.description}" is unknown; linked to the line instead`);
    }
    if (causedBy.length === 0) causedBy.push("#0");
    const witnesses = e.witnesses.length > 0 ? e.witnesses : context.defaultWitnesses;
    const resolves = e.resolves.filter((h) => {
      if (context.hookIds.has(h)) return true;
      notices.push(`extraction: "${e.description}" claims to settle unknown hook ${h}; ignored`);
      return false;
    });
    if (e.kind === "changed") {
      return {
        kind: "changed",
        payload: {
          op: e.op ?? "set",
          subject: e.subject as string,
          predicate: normalizePredicate(e.predicate as string),
          object: e.object as string,
          importance: e.importance,
          resolves,
        },
        causedBy,
        witnesses,
      };
    }
    if (e.kind === "may_happen") {
      return {
        kind: "may_happen",
        payload: {
          description: e.description,
          ...(e.condition ? { condition: e.condition } : {}),
          ...(e.deadlineMinutes !== undefined ? { deadline: context.storyTime + e.deadlineMinutes } : {}),
          involves: e.involves,
          importance: e.importance,
        },
        causedBy,
        witnesses,
      };
    }
    return {
      kind: "happened",
      payload: {
        description: e.description,
        ...(e.actor ? { actor: e.actor } : {}),
        ...(e.location ? { location: e.location } : {}),
        importance: e.importance,
        resolves,
        uses: e.uses.map((u) => ({ ...u, predicate: normalizePredicate(u.predicate) })),
        ...(e.tellsTo.length ? { tells: { to: e.tellsTo, facts: e.uses } } : {}),
      },
      causedBy,
      witnesses,
    };
  });
  return { drafts, minutesPassed: extraction.minutesPassed, notices };
}

/** Run extraction for one line. A model that cannot produce valid output yields no events and a notice. */
export async function extractEvents(
  model: ChatModel,
  p: Projection,
  input: { speaker: string; text: string; present: string[]; cast: string[]; userName: string },
  options: { signal?: AbortSignal; seed?: number } = {},
): Promise<ExtractionResult> {
  const request = extractionPrompt(p, input);
  const storyTime = p.storyTimes[p.headTurn] ?? 0;
  const hookIds = new Set(openHooks(p).map((h) => h.id));
  try {
    const { object } = await generateObject(model, request, ExtractionSchema, {
      name: "world_events",
      role: "extract",
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.seed === undefined ? {} : { seed: options.seed }),
    });
    return draftsFromExtraction(object, {
      storyTime,
      knownEvent: (id) => p.hasEvent(id),
      hookIds,
      defaultWitnesses: input.present,
    });
  } catch (error) {
    // A model that cannot do structured output, or whose context is too small for the prompt, must not stop
    // the conversation: the line is kept, without world changes, and the user is told.
    if (error instanceof LlmError && (error.kind === "invalid_output" || error.kind === "invalid_request"))
      return {
        drafts: [],
        minutesPassed: 0,
        notices: [`extraction failed (${error.message}); the line was kept without world changes`],
      };
    throw error;
  }
}
