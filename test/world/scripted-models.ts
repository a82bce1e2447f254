// Scripted models for world tests: the player speaks lines from a list, the extractor returns scripted events.
import { createFakeModel, type FakeTurn } from "../../src/llm/index.ts";
import type { ExtractedEvent } from "../../src/world/index.ts";

export type ScriptedEvent = Partial<ExtractedEvent> & { kind: ExtractedEvent["kind"]; description: string };

/** An extraction answer as JSON text (what a model would return). */
export const extraction = (events: ScriptedEvent[], minutesPassed = 0) =>
  JSON.stringify({ minutesPassed, events: events.map((e, i) => ({ ref: `e${i + 1}`, ...e })) });

/**
 * A fake model whose player role says `lines` in order and whose extract role answers `extractions` in order
 * (by call count, so user lines and character lines share one queue).
 */
export function scriptedModel(
  lines: string[],
  extractions: string[],
  more: Record<string, (t: FakeTurn) => string> = {},
) {
  return createFakeModel({
    name: "world-script",
    script: {
      player: (t) => lines[t.call] ?? `(line ${t.call})`,
      extract: (t) => extractions[t.call] ?? extraction([]),
      ...more,
    },
  });
}
