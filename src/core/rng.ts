import { hash } from "node:crypto";

/** A seeded pseudo-random generator: `next()` returns a float in [0, 1). */
export interface Rng {
  next(): number;
  /** Integer in [0, n). */
  int(n: number): number;
  /** A new independent generator derived from this one and a label (for nested, order-independent streams). */
  fork(label: string | number): Rng;
}

/** Turn any string or number into a 32-bit seed via SHA-256, so "run-1" and "run-2" give unrelated streams. */
export function seedFrom(...parts: Array<string | number>): number {
  // The one-shot hash, not createHash: a bench turn derives several seeds, and the Hash object's setup dominated.
  return hash("sha256", parts.join("\u0000"), "buffer").readUInt32LE(0);
}

/**
 * sfc32 seeded through splitmix32. Chosen over Math.random for reproducibility (bootstrap intervals, simulator
 * personas and lorebook probabilities must replay exactly from a seed) and over mulberry32 for its longer period.
 */
export function createRng(seed: number | string): Rng {
  let s = typeof seed === "string" ? seedFrom(seed) : seed >>> 0;
  const splitmix = (): number => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  const rootSeed = s;
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  const next = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    fork: (label) => createRng(seedFrom(rootSeed, String(label))),
  };
}
