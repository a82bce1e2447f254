import { CardError } from "./card-error.ts";
import type { CardContainer, CardSpec, CharacterCardV3, LoadedCard } from "./card-schema.ts";

/** Options for writing a card. */
export interface WriteCardOptions {
  /** For JSON: the spec to write (default: the spec it was read in, else v3). */
  spec?: CardSpec;
  /** For PNG: the image to embed the card in (default: the image it came in, else a generated placeholder). */
  image?: Uint8Array;
  /** For CharX: extra members (assets) by path. */
  files?: Record<string, Uint8Array>;
}

/** Write a card into a container: JSON text, PNG (`ccv3` + backfilled V2 `chara`) or CharX. */
export function writeCard(_card: LoadedCard, _container: CardContainer, _options: WriteCardOptions = {}): Uint8Array {
  throw new CardError("cards.not_implemented", "not implemented yet (issue 5 in progress)");
}

/** The card as JSON text in the given spec. */
export function writeCardJson(_card: CharacterCardV3 | LoadedCard, _options: WriteCardOptions = {}): string {
  throw new CardError("cards.not_implemented", "not implemented yet (issue 5 in progress)");
}

/** The card embedded in a PNG: `ccv3` (V3) plus `chara` (V2 backfill without decorators). */
export function writeCardPng(_card: CharacterCardV3 | LoadedCard, _options: WriteCardOptions = {}): Uint8Array {
  throw new CardError("cards.not_implemented", "not implemented yet (issue 5 in progress)");
}

/** The card as a CharX zip (`card.json` plus assets). */
export function writeCardCharx(_card: CharacterCardV3 | LoadedCard, _options: WriteCardOptions = {}): Uint8Array {
  throw new CardError("cards.not_implemented", "not implemented yet (issue 5 in progress)");
}
