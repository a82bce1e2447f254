import type { Projection } from "./projection.ts";
import { currentFacts } from "./queries.ts";
import type { WorldSetup } from "./world-setup.ts";

/** Where a character is now (their current `at` fact), if the world knows. */
export function locationOf(p: Projection, who: string): string | undefined {
  return currentFacts(p, { subject: who, predicate: "at" })[0]?.object;
}

/** Whether a character is dead now. */
export function isDead(p: Projection, who: string): boolean {
  return currentFacts(p, { subject: who, predicate: "status" }).some((f) => /^(dead|deceased|killed)$/i.test(f.object));
}

/**
 * Who shares the scene with `who`: everyone alive at the same place. A character whose place is unknown counts
 * as present (the story has not said otherwise), and so does everyone when `who`'s own place is unknown.
 */
export function presentWith(p: Projection, setup: WorldSetup, who: string): string[] {
  const here = locationOf(p, who);
  const everyone = [...setup.cast.map((c) => c.name), setup.userName];
  return everyone.filter((name) => {
    if (isDead(p, name)) return false;
    if (name === who || here === undefined) return true;
    const there = locationOf(p, name);
    return there === undefined || there === here;
  });
}
