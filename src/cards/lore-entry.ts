import { DEFAULT_INSERTION_ORDER } from "./book-normalize.ts";
import type { Lorebook, LoreEntry } from "./card-schema.ts";

/**
 * A lorebook entry with spec defaults for everything not given (enabled, insertion order 100, no regex, empty
 * extensions). SillyTavern-only settings go in `extensions` under SillyTavern's own export names, e.g.
 * `{ selectiveLogic: 3, probability: 50, useProbability: true, group: "weather", sticky: 2, depth: 4, position: 4 }`.
 */
export function createLoreEntry(fields: Partial<LoreEntry> & { keys: string[]; content: string }): LoreEntry {
  return {
    enabled: true,
    insertion_order: DEFAULT_INSERTION_ORDER,
    use_regex: false,
    ...fields,
    extensions: { ...fields.extensions },
  };
}

/** A lorebook with spec defaults for everything not given. */
export function createLorebook(fields: Partial<Lorebook> = {}): Lorebook {
  return { ...fields, extensions: { ...fields.extensions }, entries: [...(fields.entries ?? [])] };
}
