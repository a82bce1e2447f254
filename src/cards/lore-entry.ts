import { CardError } from "./card-error.ts";
import type { Lorebook, LoreEntry } from "./card-schema.ts";

/** A lorebook entry with spec defaults for everything not given. */
export function createLoreEntry(_fields: Partial<LoreEntry> & { keys: string[]; content: string }): LoreEntry {
  throw new CardError("cards.not_implemented", "not implemented yet (issue 5 in progress)");
}

/** A lorebook with spec defaults for everything not given. */
export function createLorebook(_fields: Partial<Lorebook> = {}): Lorebook {
  throw new CardError("cards.not_implemented", "not implemented yet (issue 5 in progress)");
}
