import type { LoreState } from "../cards/index.ts";
import type { WorldEvent, WorldNode } from "./event.ts";
import { factText } from "./fact.ts";
import type { Projection } from "./projection.ts";
import { WorldError } from "./world-error.ts";
import type { CastMember, WorldSetup } from "./world-setup.ts";

// What context assembly reads from the branch: the cast, the lines a character heard, the lore state, memory text.

/** A line of the conversation on the branch. */
export interface Line {
  node: WorldNode;
  speaker: string;
  text: string;
}

/** The cast member behind a speaker name (throws a typed error for an unknown name). */
export function castMember(setup: WorldSetup, name: string): CastMember {
  const m = setup.cast.find((c) => c.name === name);
  if (!m)
    throw new WorldError("world.unknown_speaker", `"${name}" is not in this world's cast.`, {
      hint: `The cast is: ${setup.cast.map((c) => c.name).join(", ")}.`,
    });
  return m;
}

/** Whether a character heard a line: they spoke it, or were among its witnesses. */
export function heard(node: WorldNode, who: string): boolean {
  if (node.speaker === who) return true;
  const e = node.events.find((x) => x.kind === "happened" && x.payload.utterance);
  return e === undefined || e.witnesses.includes(who) || e.witnesses.includes("*");
}

/** The lines on the path a character heard, oldest first, at most `limit`. */
export function linesHeard(p: Projection, who: string, limit: number): Line[] {
  const out: Line[] = [];
  for (let t = p.nodes.length - 1; t >= 0 && out.length < limit; t--) {
    const node = p.nodes[t] as WorldNode;
    if (node.text === undefined || node.speaker === undefined) continue;
    if (heard(node, who)) out.push({ node, speaker: node.speaker, text: node.text });
  }
  return out.reverse();
}

/** The lore state after the latest turn on the path that recorded one (rolls back with the branch). */
export function loreStateAt(p: Projection): LoreState | undefined {
  for (let t = p.nodes.length - 1; t >= 0; t--) {
    const s = (p.nodes[t] as WorldNode).meta?.["loreState"];
    if (s) return s as LoreState;
  }
  return undefined;
}

/** A memory as one line of prompt text. */
export function memoryText(e: WorldEvent): string {
  switch (e.kind) {
    case "happened":
      return e.payload.utterance
        ? `${e.payload.utterance.speaker}: "${e.payload.utterance.text}"`
        : e.payload.description;
    case "changed":
      return `${factText(e.payload)}${e.payload.op === "remove" ? " (no longer)" : ""}`;
    case "may_happen":
      return `may happen: ${e.payload.description}`;
    default:
      return e.kind;
  }
}
