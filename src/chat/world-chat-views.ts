// What a world-backed chat can show about its world, as plain data: facts as of a turn, the timeline, what each
// character knows, the branch tree, a reply's context manifest and why a fact holds.
import {
  type Branch,
  beliefsOf,
  type ContextManifest,
  chainLines,
  eventText,
  type Fact,
  findFacts,
  knownFacts,
  type Projection,
  stateAt,
  type WhyView,
  type World,
  WorldError,
  type WorldEvent,
  why,
} from "../world/index.ts";

/** The facts of the branch in view as of a turn (default: the head), optionally about one subject. */
export function factsAsOf(
  world: World,
  query: { turn?: number; subject?: string } = {},
): { turn: number; storyTime: number; facts: Fact[] } {
  return factsOf(world.projection, query);
}

/**
 * The facts as of any recorded line, on its own path (an alternative or another branch's line too), optionally
 * about one subject.
 */
export function factsAtLine(
  world: World,
  nodeId: string,
  query: { subject?: string } = {},
): Promise<{ turn: number; storyTime: number; facts: Fact[] }> {
  return world.view(nodeId, (p) => factsOf(p, query));
}

function factsOf(p: Projection, query: { turn?: number; subject?: string }) {
  const view = stateAt(p, query.turn === undefined ? {} : { turn: query.turn });
  const facts = view.facts
    .filter(
      (f) =>
        (query.subject === undefined || f.subject === query.subject) &&
        f.predicate !== "type" &&
        f.predicate !== "role",
    )
    .sort((a, b) => a.validFrom.turn - b.validFrom.turn || (a.id < b.id ? -1 : 1));
  return { turn: view.turn, storyTime: view.storyTime, facts };
}

/** One event of a turn, with a readable phrase. */
export interface TimelineEvent {
  id: string;
  kind: WorldEvent["kind"];
  text: string;
  causedBy: string[];
  witnesses: string[];
}

/** One turn of the branch in view. */
export interface TimelineTurn {
  nodeId: string;
  turn: number;
  storyTime: number;
  kind: string;
  speaker?: string;
  text?: string;
  events: TimelineEvent[];
}

/** The turns of the branch in view from `from` to `to` (inclusive; default all), with their events. */
export function timelineOf(world: World, range: { from?: number; to?: number } = {}): TimelineTurn[] {
  const p = world.projection;
  return p.nodes.slice(range.from ?? 0, (range.to ?? p.headTurn) + 1).map((n) => ({
    nodeId: n.id,
    turn: n.turn,
    storyTime: n.storyTime,
    kind: n.kind,
    ...(n.speaker === undefined ? {} : { speaker: n.speaker }),
    ...(n.text === undefined ? {} : { text: n.text }),
    events: n.events.map((e) => ({
      id: e.id,
      kind: e.kind,
      text: eventText(e),
      causedBy: e.causedBy,
      witnesses: e.witnesses,
    })),
  }));
}

/** What one character believes, and how they came to know it. */
export interface CharacterKnowledge {
  character: string;
  beliefs: Array<{
    fact: Fact;
    /** The world has since closed this version; the character has not learned it. */
    stale: boolean;
    how?: string;
    /** Who told them, when they were told. */
    via?: string;
    /** The turn they learned it. */
    turn?: number;
  }>;
}

/** What each cast member (or the one named) knows on the branch in view. */
export function knowledgeOf(world: World, character?: string): CharacterKnowledge[] {
  const names = world.setup.cast.map((c) => c.name);
  if (character !== undefined && !names.includes(character) && character !== world.setup.userName)
    throw new WorldError("world.no_character", `No character "${character}" in this world.`, {
      hint: `Characters: ${[...names, world.setup.userName].join(", ")}.`,
    });
  return (character === undefined ? names : [character]).map((who) => {
    const how = knownFacts(world.projection, who);
    return {
      character: who,
      beliefs: beliefsOf(world.projection, who)
        .filter((b) => b.fact.predicate !== "type" && b.fact.predicate !== "role")
        .map((b) => {
          const k = how.get(b.fact.id);
          return {
            fact: b.fact,
            stale: b.stale,
            ...(k?.how === undefined ? {} : { how: k.how }),
            ...(k?.via === undefined ? {} : { via: k.via }),
            ...(k?.turn === undefined ? {} : { turn: k.turn }),
          };
        }),
    };
  });
}

/** A branch in the tree: where it forked and from which branch. */
export interface BranchView {
  name: string;
  status: Branch["status"];
  head: string;
  headTurn: number;
  /** The node it forked at, and the branch that node was recorded on (absent for main). */
  base?: string;
  baseTurn?: number;
  forkedFrom?: string;
  current: boolean;
  createdAt: number;
  updatedAt: number;
}

/** Every branch of the world, oldest first, each with where it forked. */
export function branchTree(world: World): BranchView[] {
  return [...world.ledger.branches.values()]
    .sort((a, b) => a.createdAt - b.createdAt || a.name.localeCompare(b.name))
    .map((b) => {
      const base = b.base === undefined ? undefined : world.ledger.get(b.base);
      return {
        name: b.name,
        status: b.status,
        head: b.head,
        headTurn: world.ledger.get(b.head)?.turn ?? 0,
        ...(base ? { base: base.id, baseTurn: base.turn, forkedFrom: base.branch } : {}),
        current: b.name === world.current,
        createdAt: b.createdAt,
        updatedAt: b.updatedAt,
      };
    });
}

/** The context manifest of a generated line: what its speaker's prompt held and dropped, and why. */
export function manifestOf(world: World, nodeId: string): ContextManifest {
  const manifest = world.ledger.get(nodeId)?.meta?.["manifest"] as ContextManifest | undefined;
  if (!manifest)
    throw new WorldError("world.no_manifest", `Line ${nodeId} has no context manifest.`, {
      hint: "Only generated replies have one; the user's lines and the greeting do not.",
    });
  return manifest;
}

/** Why a fact holds: for each matching version (up to three, current first), its causal chain and readable lines. */
export function whyFact(world: World, ref: string): Array<WhyView & { lines: string[] }> {
  const found = findFacts(world.projection, ref);
  if (found.length === 0)
    throw new WorldError("world.no_fact", `No fact matches "${ref}".`, {
      hint: "Use a fact id, or 'subject predicate [object]' as the facts list shows it.",
    });
  return found.slice(0, 3).map((f) => {
    const view = why(world.projection, f.id);
    return { ...view, lines: chainLines(view) };
  });
}
