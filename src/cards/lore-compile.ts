import { CardError } from "./card-error.ts";
import type { Lorebook } from "./card-schema.ts";
import type { LoreCompileOptions, LoreSource } from "./lore-types.ts";

/** Lorebooks prepared for fast activation: entries sorted, keys compiled and indexed. Reuse it across passes. */
export interface CompiledLore {
  readonly kind: "compiled-lore";
}

/** Prepare books for activation (sorting, key compilation, the multi-key index). */
export function compileLore(_sources: Lorebook | LoreSource[], _options: LoreCompileOptions = {}): CompiledLore {
  throw new CardError("cards.not_implemented", "not implemented yet (issue 5 in progress)");
}
