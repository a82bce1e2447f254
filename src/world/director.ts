import type { Rng } from "../core/index.ts";
import type { WorldNode } from "./event.ts";
import { isDead, locationOf, presentWith } from "./presence.ts";
import type { Projection } from "./projection.ts";
import { currentFacts, openHooks } from "./queries.ts";
import { WorldError } from "./world-error.ts";
import type { WorldSetup } from "./world-setup.ts";

/** How the next speaker is chosen. */
export type DirectorMode = "auto" | "round_robin" | "manual";

/** One candidate's score and its parts. */
export interface SpeakerScore {
  name: string;
  eligible: boolean;
  score: number;
  parts: Record<string, number>;
  why: string[];
}

/** The director's choice, with the reason a person reads. */
export interface SpeakerChoice {
  speaker: string;
  reason: string;
  mode: DirectorMode;
  scores: SpeakerScore[];
}

const wordMention = (text: string, name: string) =>
  new RegExp(`(^|[^\\p{L}\\p{N}])${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}($|[^\\p{L}\\p{N}])`, "iu").test(text);

/**
 * Choose who speaks next from world state, a component over the ledger like Concordia's game master's
 * next-acting component. Auto mode scores every living cast member present in the user's scene:
 *   addressed in the last line +3 · open hooks involving them +1 each (max 2), +1 if overdue · a current goal
 *   +0.5 · turn balance: lines since they last spoke ÷ cast size, capped at 1.5 · talkativeness (card prior,
 *   0–1) · spoke last −2 (unless addressed).
 * Ties break by a seeded draw. Absent and dead characters are not eligible (they act only off-screen).
 */
export function chooseSpeaker(
  p: Projection,
  setup: WorldSetup,
  options: { mode?: DirectorMode; manual?: string; rng?: Rng; lastLine?: Pick<WorldNode, "speaker" | "text"> } = {},
): SpeakerChoice {
  const mode = options.mode ?? setup.director.mode;
  const cast = setup.cast.map((c) => c.name);
  const last = options.lastLine ?? lastLine(p);
  const present = new Set(presentWith(p, setup, setup.userName));
  const eligible = (name: string) => present.has(name) && !isDead(p, name);
  if (mode === "manual") {
    const name = options.manual;
    if (!name || !cast.includes(name))
      throw new WorldError(
        "world.no_speaker",
        `Manual mode needs a cast member to speak${name ? `; "${name}" is not one` : ""}.`,
        {
          hint: `Name one of: ${cast.join(", ")}.`,
        },
      );
    return { speaker: name, reason: `${name} speaks: chosen by the user`, mode, scores: [] };
  }
  if (mode === "round_robin") {
    const start = last?.speaker ? cast.indexOf(last.speaker) : -1;
    for (let k = 1; k <= cast.length; k++) {
      const name = cast[(start + k + cast.length) % cast.length] as string;
      if (eligible(name)) return { speaker: name, reason: `${name} speaks: next in turn order`, mode, scores: [] };
    }
    throw noOne(cast);
  }
  const now = p.headTurn;
  const lastSpoke = lastLines(p, cast);
  const hooks = openHooks(p);
  const scores: SpeakerScore[] = cast.map((name) => {
    const parts: Record<string, number> = {};
    const why: string[] = [];
    if (!eligible(name)) {
      return {
        name,
        eligible: false,
        score: Number.NEGATIVE_INFINITY,
        parts,
        why: [isDead(p, name) ? "dead" : `absent (at ${locationOf(p, name) ?? "?"})`],
      };
    }
    const addressed = !!last?.text && last.speaker !== name && wordMention(last.text, name);
    if (addressed) {
      parts["addressed"] = 3;
      why.push(`addressed by ${last?.speaker}`);
    }
    const mine = hooks.filter((h) => h.involves.includes(name));
    if (mine.length) {
      parts["obligations"] = Math.min(2, mine.length) + (mine.some((h) => h.overdue) ? 1 : 0);
      why.push(`${mine.length} open thread${mine.length > 1 ? "s" : ""} (${mine[0]?.description})`);
    }
    if (currentFacts(p, { subject: name, predicate: "goal" }).length) {
      parts["goal"] = 0.5;
      why.push("has a goal");
    }
    const spoke = lastSpoke.get(name);
    const since = spoke === undefined ? now + 1 : now - spoke;
    parts["balance"] = Math.min(1.5, since / Math.max(1, cast.length * 2));
    if (spoke === undefined || since > cast.length)
      why.push(spoke === undefined ? "has not spoken yet" : `silent for ${since} turns`);
    const talk = setup.cast.find((c) => c.name === name)?.talkativeness ?? 0.5;
    parts["talkativeness"] = talk;
    if (last?.speaker === name && !addressed) parts["spokeLast"] = -2;
    const jitter = options.rng ? options.rng.next() * 1e-3 : 0;
    const score = Object.values(parts).reduce((a, b) => a + b, 0) + jitter;
    return { name, eligible: true, score, parts, why };
  });
  const best = scores.filter((s) => s.eligible).sort((a, b) => b.score - a.score)[0];
  if (!best) throw noOne(cast);
  const here = locationOf(p, best.name);
  const reason = `${best.name} speaks: ${[...best.why, here ? `present at ${here}` : "present"].join(", ")}`;
  return { speaker: best.name, reason, mode, scores };
}

function noOne(cast: string[]): WorldError {
  return new WorldError("world.no_speaker", "No cast member can speak: everyone is absent or dead.", {
    hint: `Move someone into the scene (world edit set <name> at <place>) or pick manually from: ${cast.join(", ")}.`,
  });
}

function lastLine(p: Projection): Pick<WorldNode, "speaker" | "text"> | undefined {
  for (let t = p.nodes.length - 1; t >= 0; t--) {
    const n = p.nodes[t] as WorldNode;
    if (n.text !== undefined) return n;
  }
  return undefined;
}

/** The last turn each cast member spoke, scanning back only until all have been found. */
function lastLines(p: Projection, cast: string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (let t = p.nodes.length - 1; t >= 0 && out.size < cast.length; t--) {
    const speaker = (p.nodes[t] as WorldNode).speaker;
    if (speaker !== undefined && cast.includes(speaker) && !out.has(speaker)) out.set(speaker, t);
  }
  return out;
}
