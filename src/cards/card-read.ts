import { CardError } from "./card-error.ts";
import type { LoadedCard } from "./card-schema.ts";
import type { ReadLimits } from "./read-limits.ts";

/** Read a card from bytes: JSON (V1/V2/V3), PNG/APNG (`ccv3` preferred over `chara`) or CharX (zip). */
export function readCard(_bytes: Uint8Array, _options: { limits?: Partial<ReadLimits> } = {}): LoadedCard {
  throw new CardError("cards.not_implemented", "not implemented yet (issue 5 in progress)");
}

/** Read a card from a file; PNG chunks are read one by one so an oversized chunk is refused before it is read. */
export async function readCardFile(
  _path: string,
  _options: { limits?: Partial<ReadLimits> } = {},
): Promise<LoadedCard> {
  throw new CardError("cards.not_implemented", "not implemented yet (issue 5 in progress)");
}
