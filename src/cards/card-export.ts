import { CardError } from "./card-error.ts";
import type { CardSpec, CharacterCardV3 } from "./card-schema.ts";

/** Options for turning a normalised card back into a spec's JSON. */
export interface CardJsonOptions {
  /** Target spec (default v3). */
  spec?: CardSpec;
  /** spec_version to write (default "2.0"/"3.0"). */
  specVersion?: string;
  /** Paths of fields the reader added as defaults; left out when the target spec does not define them. */
  addedDefaults?: readonly string[];
  /** Remove V3 decorators from lorebook entries (a V2 backfill must). Default: true for v1/v2. */
  stripDecorators?: boolean;
}

/** The card as a V1, V2 or V3 JSON object. */
export function cardToJson(_card: CharacterCardV3, _options: CardJsonOptions = {}): Record<string, unknown> {
  throw new CardError("cards.not_implemented", "not implemented yet (issue 5 in progress)");
}
