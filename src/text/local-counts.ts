import { ensureInt32 } from "./int-buffer.ts";
import type { IntSlab } from "./int-slab.ts";

/** The distinct ids of one sequence with their counts, in order of first appearance. */
export interface LocalCounts {
  ids: Int32Array;
  counts: Int32Array;
}

/** Counts ids within one sequence without a Map: a stamp array marks ids already seen in the current call. */
export interface LocalCounter {
  /** Counts of `ids`, in views of `slab` (or fresh arrays without one) the caller may keep. */
  count(ids: Int32Array, slab?: IntSlab): LocalCounts;
  /** How many distinct ids `ids` holds (nothing allocated); `bound`, when known, is above every id. */
  distinct(ids: Int32Array, bound?: number): number;
}

/** A reusable counter of ids within one sequence (O(sequence length) per call). */
export function createLocalCounter(): LocalCounter {
  let stamp: Int32Array = new Int32Array(64);
  let slot: Int32Array = new Int32Array(64);
  let call = 0;
  /** Makes the stamp arrays cover every id of `ids` (all below `bound` when given); returns the call's stamp. */
  const begin = (ids: Int32Array, bound?: number): number => {
    let max = (bound ?? 0) - 1;
    if (bound === undefined) for (let i = 0; i < ids.length; i++) if ((ids[i] as number) > max) max = ids[i] as number;
    if (max >= stamp.length) stamp = ensureInt32(stamp, max + 1);
    if (call === 0x7fffffff) {
      // Stamps are int32: start over rather than wrap.
      stamp.fill(0);
      call = 0;
    }
    return ++call;
  };
  return {
    count(ids, slab) {
      const now = begin(ids);
      if (slot.length < stamp.length) slot = ensureInt32(slot, stamp.length);
      // Distinct ids and counts are written side by side in one reserved run: [ids…][counts…].
      const n = ids.length;
      const base = slab ? slab.reserve(2 * n) : 0;
      const out = slab ? slab.buffer : new Int32Array(2 * n);
      let k = 0;
      for (let i = 0; i < n; i++) {
        const id = ids[i] as number;
        if (stamp[id] !== now) {
          stamp[id] = now;
          slot[id] = k;
          out[base + k] = id;
          out[base + n + k] = 1;
          k++;
        } else out[base + n + (slot[id] as number)]! += 1;
      }
      if (!slab) return { ids: out.slice(0, k), counts: out.slice(n, n + k) };
      out.copyWithin(base + k, base + n, base + n + k);
      return { ids: slab.commit(k), counts: slab.commit(k) };
    },
    distinct(ids, bound) {
      const now = begin(ids, bound);
      let k = 0;
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i] as number;
        if (stamp[id] !== now) {
          stamp[id] = now;
          k++;
        }
      }
      return k;
    },
  };
}

// Scratch of `distinctPairs`, shared by every call (it never yields): slots of [stamp, a, b].
let pairSlots = new Int32Array(3 * 1024);
let pairStamp = 0;

/**
 * How many distinct adjacent pairs (ids[i], ids[i + 1]) a sequence has — a turn's distinct bigrams — without
 * interning them: a small hash set stamped per call, so it stays in cache and never needs clearing.
 */
export function distinctPairs(ids: Int32Array): number {
  const pairs = ids.length - 1;
  if (pairs <= 0) return 0;
  let capacity = pairSlots.length / 3;
  if (pairs * 2 > capacity || pairStamp === 0x7fffffff) {
    while (pairs * 2 > capacity) capacity *= 2;
    pairSlots = new Int32Array(capacity * 3);
    pairStamp = 0;
  }
  const slots = pairSlots;
  const mask = capacity - 1;
  const stamp = ++pairStamp;
  let distinct = 0;
  for (let i = 0; i < pairs; i++) {
    const a = ids[i] as number;
    const b = ids[i + 1] as number;
    let h = (Math.imul(a, 0x9e3779b1) + b) | 0;
    h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
    let j = (h ^ (h >>> 13)) & mask;
    for (;;) {
      const s = j * 3;
      if (slots[s] !== stamp) {
        slots[s] = stamp;
        slots[s + 1] = a;
        slots[s + 2] = b;
        distinct++;
        break;
      }
      if (slots[s + 1] === a && slots[s + 2] === b) break;
      j = (j + 1) & mask;
    }
  }
  return distinct;
}
