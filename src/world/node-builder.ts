import {
  type EventKind,
  type NodeKind,
  type WorldEvent,
  type WorldEventInput,
  WorldEventSchema,
  type WorldNode,
} from "./event.ts";
import type { Ledger } from "./ledger.ts";
import { WorldError } from "./world-error.ts";

/**
 * An event to commit. `causedBy` may name earlier ledger events by id, or events of the same commit as "#k"
 * (k = position in `events`). Ids default to `<node id>.<k>`.
 */
export interface EventDraft {
  id?: string;
  kind: EventKind;
  payload: unknown;
  causedBy?: string[];
  witnesses?: string[];
}

/** One commit's content. */
export interface CommitInput {
  id?: string;
  kind?: NodeKind;
  speaker?: string;
  text?: string;
  /** Story time of the turn; defaults to the parent's. Never earlier than the parent's. */
  storyTime?: number;
  /** The node to hang under; defaults to the branch head (a swipe passes the head's parent). */
  parent?: string;
  events: EventDraft[];
  meta?: Record<string, unknown>;
}

/**
 * Turn drafts into a validated node under `parent`: ids resolved ("#k" causes), payloads parsed with their
 * defaults, story time checked to move forward, and every cause, strike target and citation checked to lie on
 * the branch. Pure apart from reading the ledger.
 */
export function buildNode(
  ledger: Ledger,
  input: CommitInput,
  parent: WorldNode | null,
  branch: string,
  options: {
    id: string;
    now: number;
    startTime: number;
    /** A fast on-branch test when the caller has the parent's projection at hand. */
    onBranch?: (eventId: string) => boolean;
  },
): WorldNode {
  const { id, now } = options;
  const turn = parent ? parent.turn + 1 : 0;
  const storyTime = input.storyTime ?? parent?.storyTime ?? options.startTime;
  if (parent && storyTime < parent.storyTime) {
    throw new WorldError("world.time_backwards", `Story time cannot move backwards (turn ${turn}).`, {
      hint: "Give the turn a story time at or after the previous one; use `world edit --from` for retcons.",
    });
  }
  const localIds = input.events.map((d, k) => d.id ?? `${id}.${k}`);
  const events = input.events.map((d, k): WorldEvent => {
    const causedBy = (d.causedBy ?? []).map((c) => {
      if (!c.startsWith("#")) return c;
      const ref = localIds[Number(c.slice(1))];
      if (ref === undefined)
        throw new WorldError("world.bad_cause", `Event ${k} of turn ${turn} names a missing cause ${c}.`);
      return ref;
    });
    const raw: WorldEventInput = {
      id: localIds[k] as string,
      node: id,
      branch,
      parent: parent?.id ?? null,
      turn,
      storyTime,
      kind: d.kind,
      causedBy,
      witnesses: perceivers(d),
      recordedAt: now,
      payload: d.payload,
    } as WorldEventInput;
    const parsed = WorldEventSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new WorldError(
        "world.bad_event",
        `Event ${k} (${d.kind}) of turn ${turn} is invalid: ${issue?.path.join(".")} ${issue?.message}`,
        {
          hint: "Check the event's fields against the schema in src/world/event.ts.",
          details: { issues: parsed.error.issues },
        },
      );
    }
    return parsed.data;
  });
  const onPath = (eventId: string) => {
    if (localIds.includes(eventId)) return true;
    if (options.onBranch) return options.onBranch(eventId);
    const e = ledger.events.get(eventId);
    return e !== undefined && parent !== null && ledger.isAncestor(e.node, parent.id);
  };
  for (const e of events) {
    const refs = [...e.causedBy];
    if (e.kind === "user_edit" && e.payload.op === "strike") refs.push(e.payload.eventId);
    if (e.kind === "user_edit" && e.payload.op === "resolve_hook") refs.push(e.payload.hookId);
    if (e.kind === "summary") refs.push(...e.payload.cites);
    for (const ref of refs)
      if (!onPath(ref))
        throw new WorldError("world.unknown_event", `Event ${e.id} refers to ${ref}, which is not on this branch.`, {
          hint: "Causes, strikes and citations must name events earlier on the same branch (see `world timeline`).",
        });
  }
  return {
    id,
    parent: parent?.id ?? null,
    turn,
    storyTime,
    kind: input.kind ?? "turn",
    ...(input.speaker === undefined ? {} : { speaker: input.speaker }),
    ...(input.text === undefined ? {} : { text: input.text }),
    branch,
    createdAt: now,
    events,
    ...(input.meta === undefined ? {} : { meta: input.meta }),
  };
}

/** An event's witnesses, plus the actor and speaker of a `happened` event (who always perceive their own deeds). */
function perceivers(d: EventDraft): string[] {
  const out = new Set(d.witnesses ?? []);
  if (d.kind === "happened" && d.payload && typeof d.payload === "object") {
    const p = d.payload as { actor?: unknown; utterance?: { speaker?: unknown } };
    if (typeof p.actor === "string" && p.actor) out.add(p.actor);
    if (typeof p.utterance?.speaker === "string" && p.utterance.speaker) out.add(p.utterance.speaker);
  }
  return [...out];
}
