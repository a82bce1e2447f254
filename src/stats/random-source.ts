import { createRng, type Rng } from "../core/index.ts";

/** Where a resampling function gets its randomness: an existing generator, or a seed to create one from. */
export type RandomSource = Rng | number | string;

/** A generator for `source`; a seed always yields the same stream, so every interval replays exactly. */
export function toRng(source: RandomSource): Rng {
  return typeof source === "object" ? source : createRng(source);
}
