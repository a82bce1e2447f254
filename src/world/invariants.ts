import type { WorldNode } from "./event.ts";
import { EXCLUSIVE_OBJECT_PREDICATES, type Fact, factText } from "./fact.ts";
import { isDead } from "./presence.ts";
import type { Projection } from "./projection.ts";
import { currentFacts, knowsTriple } from "./queries.ts";
import { foreignSpeakerLines, userAgencyBreaches } from "./user-agency.ts";
import type { WorldSetup } from "./world-setup.ts";

/** The invariants a proposed turn is checked against before it may be committed. */
export type ViolationCode =
  | "location"
  | "possession"
  | "dead_actor"
  | "resurrection"
  | "time_backwards"
  | "knowledge"
  | "hard_fact"
  | "user_agency"
  | "attribution"
  | "llm_check";

/** What the user may do about a violation. None of them is taken silently. */
export type Resolution = "regenerate" | "accept_retcon" | "edit" | "drop_event";

/** One broken invariant, with the ways out. */
export interface Violation {
  code: ViolationCode;
  message: string;
  /** Index of the offending event in the proposed node, when one event is to blame. */
  eventIndex?: number;
  /** A fix that "accept as a retcon" would apply (e.g. the previous holder gives the item up). */
  retcon?: string;
  options: Resolution[];
}

/**
 * Check a proposed node against the world's invariants, deterministically: one location at a time, one holder
 * per item, the dead do not act (or return unremarked), knowledge preconditions, lore hard facts, the user's
 * agency and single attribution. The node is applied to the projection and undone again, so post-conditions
 * are read from the exact state the commit would produce; the projection is unchanged afterwards.
 */
export function checkInvariants(
  p: Projection,
  setup: WorldSetup,
  node: WorldNode,
  options: { generated: boolean },
): Violation[] {
  const violations: Violation[] = [];
  const user = setup.userName;
  const headTime = p.storyTimes[p.headTurn] ?? 0;
  if (node.storyTime < headTime)
    violations.push({
      code: "time_backwards",
      message: `story time would move backwards (${node.storyTime} < ${headTime})`,
      options: ["regenerate", "edit"],
    });
  if (options.generated) {
    if (node.speaker === user)
      violations.push({
        code: "attribution",
        message: `a generated line is attributed to the user (${user})`,
        options: ["regenerate", "edit"],
      });
    if (node.text !== undefined && node.speaker !== undefined) {
      const names = [...setup.cast.map((c) => c.name), user];
      for (const line of foreignSpeakerLines(node.text, node.speaker, names))
        violations.push({
          code:
            line.toLowerCase().startsWith(user.toLowerCase()) || line.replace(/\*/g, "").startsWith(user)
              ? "user_agency"
              : "attribution",
          message: `${node.speaker}'s reply contains a line for someone else: "${line}"`,
          options: ["regenerate", "edit", "accept_retcon"],
        });
      for (const breach of userAgencyBreaches(node.text, user))
        if (!violations.some((v) => v.message.includes(breach)))
          violations.push({
            code: "user_agency",
            message: `${node.speaker}'s reply decides what ${user} does or says: "${breach}"`,
            options: ["regenerate", "edit", "accept_retcon"],
          });
    }
  }
  const speakers = new Set<string>();
  node.events.forEach((e, i) => {
    if (e.kind !== "happened") return;
    const actors = [e.payload.actor, e.payload.utterance?.speaker].filter((a): a is string => !!a);
    for (const a of actors) {
      speakers.add(a);
      if (options.generated && a === user && e.payload.actor === user)
        violations.push({
          code: "user_agency",
          message: `event "${e.payload.description}" has ${user} act in a generated turn`,
          eventIndex: i,
          options: ["regenerate", "drop_event", "accept_retcon"],
        });
      if (isDead(p, a))
        violations.push({
          code: "dead_actor",
          message: `${a} is dead but acts: "${e.payload.description}"`,
          eventIndex: i,
          retcon: `${a} status set alive`,
          options: ["regenerate", "drop_event", "accept_retcon"],
        });
    }
    const actor = e.payload.actor ?? e.payload.utterance?.speaker;
    if (actor)
      for (const t of [...e.payload.uses, ...(e.payload.tells?.facts ?? [])]) {
        const exists = currentFacts(p, { subject: t.subject, predicate: t.predicate }).some(
          (f) => t.object === "" || f.object === t.object,
        );
        if (exists && !knowsTriple(p, actor, t.subject, t.predicate, t.object))
          violations.push({
            code: "knowledge",
            message: `${actor} cannot know that ${factText(t)} (never witnessed, told or inferred it)`,
            eventIndex: i,
            retcon: `${actor} learned it off-screen`,
            options: ["regenerate", "drop_event", "accept_retcon", "edit"],
          });
      }
  });

  // Post-conditions: apply, read, undo.
  const wasDead = new Map<string, boolean>();
  const touched = node.events.filter((e) => e.kind === "changed" || e.kind === "user_edit");
  for (const e of touched) if ("subject" in e.payload) wasDead.set(e.payload.subject, isDead(p, e.payload.subject));
  const hardBefore = new Set([...p.facts.values()].filter((f) => f.hard && isOpen(f)).map((f) => f.id));
  p.apply(node);
  try {
    node.events.forEach((e, i) => {
      if (e.kind !== "changed" && e.kind !== "user_edit") return;
      if (!("subject" in e.payload)) return;
      const { subject, predicate, object } = e.payload;
      if (predicate === "at") {
        const places = currentFacts(p, { subject, predicate: "at" });
        if (places.length > 1)
          violations.push({
            code: "location",
            message: `${subject} would be in ${places.length} places at once (${places.map((f) => f.object).join(", ")})`,
            eventIndex: i,
            retcon: `${subject} moves: only ${object} remains`,
            options: ["regenerate", "accept_retcon", "edit"],
          });
      }
      if (EXCLUSIVE_OBJECT_PREDICATES.has(predicate) && e.payload.op !== "remove") {
        const holders = currentFacts(p, { predicate }).filter((f) => f.object === object);
        if (holders.length > 1)
          violations.push({
            code: "possession",
            message: `${object} would be ${predicate.replace(/_/g, " ")} by ${holders.map((f) => f.subject).join(" and ")} at once`,
            eventIndex: i,
            retcon: `${holders
              .filter((f) => f.subject !== subject)
              .map((f) => f.subject)
              .join(", ")} no longer ${predicate} ${object}`,
            options: ["regenerate", "accept_retcon", "edit"],
          });
      }
      if (predicate === "status" && wasDead.get(subject) && !isDead(p, subject))
        violations.push({
          code: "resurrection",
          message: `${subject} was dead and would be ${object} again`,
          eventIndex: i,
          options: ["regenerate", "accept_retcon", "edit"],
        });
    });
    for (const id of hardBefore) {
      const f = p.facts.get(id) as Fact;
      if (!isOpen(f))
        violations.push({
          code: "hard_fact",
          message: `the turn would end the lore hard fact "${factText(f)}"`,
          options: ["regenerate", "edit", "accept_retcon"],
        });
    }
  } finally {
    p.undo();
  }
  return violations;
}

function isOpen(f: Fact): boolean {
  return f.validTo === undefined && f.supersededTurn === undefined;
}
