import { ensureInt32 } from "./int-buffer.ts";

/** The distinct ids of one sequence with their counts, in order of first appearance. */
export interface LocalCounts {
  ids: Int32Array;
  counts: Int32Array;
}

/** Counts ids within one sequence without a Map: a stamp array marks ids already seen in the current call. */
export interface LocalCounter {
  /** Counts of `ids`; the arrays are fresh copies the caller may keep. */
  count(ids: Int32Array): LocalCounts;
}

/** A reusable counter of ids within one sequence (O(sequence length) per call). */
export function createLocalCounter(): LocalCounter {
  let stamp: Int32Array = new Int32Array(64);
  let slot: Int32Array = new Int32Array(64);
  let distinct: Int32Array = new Int32Array(64);
  let counts: Int32Array = new Int32Array(64);
  let call = 0;
  return {
    count(ids) {
      call++;
      let max = -1;
      for (let i = 0; i < ids.length; i++) if ((ids[i] as number) > max) max = ids[i] as number;
      if (max >= stamp.length) {
        stamp = ensureInt32(stamp, max + 1);
        slot = ensureInt32(slot, max + 1);
      }
      if (ids.length > distinct.length) {
        distinct = ensureInt32(distinct, ids.length);
        counts = ensureInt32(counts, ids.length);
      }
      let k = 0;
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i] as number;
        if (stamp[id] !== call) {
          stamp[id] = call;
          slot[id] = k;
          distinct[k] = id;
          counts[k] = 1;
          k++;
        } else counts[slot[id] as number]! += 1;
      }
      return { ids: distinct.slice(0, k), counts: counts.slice(0, k) };
    },
  };
}
