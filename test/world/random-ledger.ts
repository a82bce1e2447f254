// Random world histories for property tests: commits of every event kind, swipes, branches, rollbacks.
import type { Rng } from "../../src/core/index.ts";
import type { EventDraft } from "../../src/world/index.ts";
import type { Projection } from "../../src/world/projection.ts";

export const PEOPLE = ["Mara", "Joel", "Ann", "Rook"];
export const PLACES = ["tavern", "forest", "harbor"];
export const ITEMS = ["key", "sword", "map"];

const pick = <T>(rng: Rng, list: readonly T[]): T => list[rng.int(list.length)] as T;

/** Random drafts for one turn, referring only to events on the projection's path. */
export function randomDrafts(rng: Rng, p: Projection, storyTime: number): EventDraft[] {
  const onPath = p.nodes.flatMap((n) => n.events.map((e) => e.id));
  const hooks = [...p.hooks.keys()];
  const n = 1 + rng.int(3);
  const drafts: EventDraft[] = [];
  for (let i = 0; i < n; i++) {
    const who = pick(rng, PEOPLE);
    const witnesses = PEOPLE.filter(() => rng.next() < 0.4);
    if (rng.next() < 0.1) witnesses.push("*");
    const cause = onPath.length > 0 && rng.next() < 0.5 ? [pick(rng, onPath)] : [];
    const local = i > 0 && rng.next() < 0.5 ? [`#${rng.int(i)}`] : [];
    const r = rng.next();
    if (r < 0.2) {
      drafts.push({
        kind: "happened",
        payload: {
          description: `${who} acts`,
          actor: who,
          location: pick(rng, PLACES),
          importance: 1 + rng.int(10),
          ...(rng.next() < 0.5 ? { utterance: { speaker: who, text: "hello" } } : {}),
          ...(hooks.length > 0 && rng.next() < 0.3 ? { resolves: [pick(rng, hooks)] } : {}),
          ...(rng.next() < 0.3
            ? {
                tells: {
                  to: [pick(rng, PEOPLE)],
                  facts: [{ subject: pick(rng, PEOPLE), predicate: "at", object: "" }],
                },
              }
            : {}),
        },
        causedBy: [...cause, ...local],
        witnesses,
      });
    } else if (r < 0.55) {
      const kind = rng.int(4);
      const payload =
        kind === 0
          ? { op: "set", subject: who, predicate: "at", object: pick(rng, PLACES) }
          : kind === 1
            ? { op: "add", subject: who, predicate: "holds", object: pick(rng, ITEMS) }
            : kind === 2
              ? { op: "remove", subject: who, predicate: "holds", object: rng.next() < 0.2 ? "*" : pick(rng, ITEMS) }
              : { op: "set", subject: who, predicate: "status", object: rng.next() < 0.8 ? "alive" : "dead" };
      drafts.push({ kind: "changed", payload, causedBy: [...cause, ...local], witnesses });
    } else if (r < 0.65) {
      drafts.push({
        kind: "may_happen",
        payload: { description: "trouble", involves: [who], deadline: storyTime + rng.int(600) },
        causedBy: cause,
        witnesses,
      });
    } else if (r < 0.85) {
      const retro = rng.next() < 0.6 && storyTime > 0 ? { validFrom: rng.int(storyTime) } : {};
      const op = pick(rng, ["set", "add", "remove"] as const);
      drafts.push({
        kind: "user_edit",
        payload: {
          op,
          subject: who,
          predicate: op === "set" ? "at" : "holds",
          object: op === "set" ? pick(rng, PLACES) : pick(rng, ITEMS),
          hard: rng.next() < 0.1,
          ...retro,
        },
        witnesses,
      });
    } else if (r < 0.93 && onPath.length > 0) {
      drafts.push({ kind: "user_edit", payload: { op: "strike", eventId: pick(rng, onPath) } });
    } else if (r < 0.96 && hooks.length > 0) {
      drafts.push({ kind: "user_edit", payload: { op: "resolve_hook", hookId: pick(rng, hooks) } });
    } else if (onPath.length > 0) {
      drafts.push({
        kind: "summary",
        payload: { text: "so far", cites: [pick(rng, onPath)], fromTurn: 0, toTurn: p.headTurn },
      });
    } else {
      drafts.push({ kind: "happened", payload: { description: "quiet" } });
    }
  }
  return drafts;
}
