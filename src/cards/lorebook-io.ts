import { CardError } from "./card-error.ts";
import type { LoadedLorebook, Lorebook, LorebookFormat } from "./card-schema.ts";
import type { ReadLimits } from "./read-limits.ts";

/** Normalise a parsed lorebook (SillyTavern World Info, lorebook_v3, V2 character_book, or a card) to V3 shape. */
export function normalizeLorebook(_json: unknown): LoadedLorebook {
  throw new CardError("cards.not_implemented", "not implemented yet (issue 5 in progress)");
}

/** Read a lorebook from bytes or text: JSON in any lorebook format, or a card (JSON/PNG/CharX) with a book. */
export function readLorebook(
  _input: Uint8Array | string,
  _options: { limits?: Partial<ReadLimits> } = {},
): LoadedLorebook {
  throw new CardError("cards.not_implemented", "not implemented yet (issue 5 in progress)");
}

/** Read a lorebook from a file. */
export async function readLorebookFile(
  _path: string,
  _options: { limits?: Partial<ReadLimits> } = {},
): Promise<LoadedLorebook> {
  throw new CardError("cards.not_implemented", "not implemented yet (issue 5 in progress)");
}

/** The book as a JSON object in the given format, losing nothing (unknown fields travel under extensions). */
export function convertLorebook(_book: Lorebook | LoadedLorebook, _format: LorebookFormat): Record<string, unknown> {
  throw new CardError("cards.not_implemented", "not implemented yet (issue 5 in progress)");
}

/** The book as JSON text in the given format (SillyTavern World Info is what SillyTavern imports). */
export function writeLorebook(_book: Lorebook | LoadedLorebook, _format: LorebookFormat): string {
  throw new CardError("cards.not_implemented", "not implemented yet (issue 5 in progress)");
}
