import { CardError } from "./card-error.ts";
import type { CardContainer, LoadedCard } from "./card-schema.ts";

/** Normalise a parsed card object (V1, V2 or V3) to V3 shape, applying spec defaults and keeping unknown keys. */
export function normalizeCard(_json: unknown, _container: CardContainer = "json"): LoadedCard {
  throw new CardError("cards.not_implemented", "not implemented yet (issue 5 in progress)");
}
