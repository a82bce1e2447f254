import { CardError } from "./card-error.ts";
import type { LoadedCard } from "./card-schema.ts";

/** Write a CharX card's embedded files under `dir`; paths that would escape `dir` are refused. Returns written paths. */
export async function extractCardAssets(_card: LoadedCard, _dir: string): Promise<string[]> {
  throw new CardError("cards.not_implemented", "not implemented yet (issue 5 in progress)");
}
