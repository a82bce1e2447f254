import { createLorebook, createLoreEntry, type Lorebook, type LorebookFormat, writeLorebook } from "../cards/index.ts";
import { factText } from "./fact.ts";
import type { Projection } from "./projection.ts";
import { currentFacts, entitiesOf, openHooks, summariesOf } from "./queries.ts";
import { formatStoryTime } from "./story-time.ts";
import type { WorldSetup } from "./world-setup.ts";

/**
 * The world's current state as a lorebook, so it can travel back to SillyTavern: one entry per entity with its
 * current facts (keyed by the entity's name), one per open hook (keyed by who it involves), and constant
 * entries for the story so far and the story time. Entries carry `troupe` ids in their comments.
 */
export function worldLorebook(p: Projection, setup: WorldSetup): Lorebook {
  const entries = [];
  let id = 0;
  const facts = currentFacts(p).filter((f) => f.predicate !== "type" && f.predicate !== "role");
  for (const entity of entitiesOf(p)) {
    const about = facts.filter((f) => f.subject === entity.name).sort((a, b) => (a.predicate < b.predicate ? -1 : 1));
    if (about.length === 0) continue;
    const content = `${entity.name} (${entity.type}): ${about.map((f) => factText(f)).join("; ")}.`;
    entries.push(
      createLoreEntry({
        id: id++,
        keys: [entity.name],
        content,
        comment: `troupe entity: ${entity.name}`,
        name: entity.name,
        insertion_order: 100,
        extensions: { troupe: { kind: "entity", facts: about.map((f) => f.id) } },
      }),
    );
  }
  for (const h of openHooks(p)) {
    const keys = h.involves.length > 0 ? h.involves : [h.description.split(/\s+/)[0] ?? "hook"];
    entries.push(
      createLoreEntry({
        id: id++,
        keys,
        content: `Open thread: ${h.description}${h.condition ? ` (if ${h.condition})` : ""}${h.deadline !== undefined ? ` — by ${formatStoryTime(h.deadline)}` : ""}.`,
        comment: `troupe hook: ${h.id}`,
        insertion_order: 90,
        extensions: { troupe: { kind: "hook", id: h.id } },
      }),
    );
  }
  const summaries = summariesOf(p).filter((s) => s.valid);
  if (summaries.length > 0)
    entries.push(
      createLoreEntry({
        id: id++,
        keys: [],
        constant: true,
        content: `The story so far: ${summaries.map((s) => s.text).join(" ")}`,
        comment: "troupe summary",
        insertion_order: 50,
        extensions: { troupe: { kind: "summary", ids: summaries.map((s) => s.id) } },
      }),
    );
  entries.push(
    createLoreEntry({
      id: id++,
      keys: [],
      constant: true,
      content: `Story time: ${formatStoryTime(p.storyTimes[p.headTurn] ?? setup.startTime)}.`,
      comment: "troupe story time",
      insertion_order: 40,
      extensions: { troupe: { kind: "time" } },
    }),
  );
  return createLorebook({
    name: `${setup.name} — world state`,
    description: `Exported by troupe at turn ${p.headTurn}.`,
    entries,
  });
}

/** The world state as lorebook JSON text (SillyTavern World Info by default). */
export function exportWorldLorebook(p: Projection, setup: WorldSetup, format: LorebookFormat = "sillytavern"): string {
  return writeLorebook(worldLorebook(p, setup), format);
}
