import { CardError } from "./card-error.ts";
import type { Lorebook } from "./card-schema.ts";
import type { CompiledLore } from "./lore-compile.ts";
import type { LoreActivation, LoreScanInput, LoreSource, LoreState } from "./lore-types.ts";

/** A state with no timed effects and no match history. */
export function emptyLoreState(): LoreState {
  return { sticky: {}, cooldown: {}, matched: {} };
}

/** Run one activation pass with SillyTavern's semantics; pure: the new state is returned, nothing is mutated. */
export function activateLore(_lore: CompiledLore | Lorebook | LoreSource[], _input: LoreScanInput): LoreActivation {
  throw new CardError("cards.not_implemented", "not implemented yet (issue 5 in progress)");
}
