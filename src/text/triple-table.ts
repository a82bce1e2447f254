import { ensureInt32 } from "./int-buffer.ts";

/** A map from triples of non-negative int32s to dense ids 0, 1, 2, … in order of first insertion. */
export interface TripleTable {
  /** The id of (a, b, c), adding it if absent. */
  intern(a: number, b: number, c: number): number;
  /** Number of triples. */
  readonly size: number;
  /** Element `k` (0–2) of the triple with this id. */
  element(id: number, k: number): number;
  /** Forget every triple, keeping the memory (cost: one fill of the slots). */
  clear(): void;
}

// murmur3's fmix32 over a multiplicative mix of the three keys (linear probing uses the low bits).
function hash(a: number, b: number, c: number): number {
  let h = (Math.imul(a, 0x9e3779b1) + b) | 0;
  h = (Math.imul(h, 0x85ebca77) + c) | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * Open-addressing hash table (linear probing, load ≤ ½) for word or character trigrams keyed by their three token
 * ids. Interning a trigram directly, rather than as (bigram id, token), costs one probe per token instead of two
 * when bigram ids are not needed per turn (the detectors need only the count of distinct bigrams). Each slot is
 * four adjacent int32s — a + 1 (0 = empty), b, c, id — so a probe touches one cache line; the triple of each id is
 * kept in `keys` for turning ids back into tokens. Grows 4× at a time while small (see pair-table.ts).
 */
export function createTripleTable(initialCapacity = 256): TripleTable {
  let capacity = 1;
  while (capacity < initialCapacity * 2) capacity *= 2;
  let slots = new Int32Array(capacity * 4);
  let keys: Int32Array = new Int32Array(capacity * 1.5);
  let size = 0;
  const grow = (): void => {
    const old = slots;
    capacity *= capacity < 1 << 15 ? 4 : 2;
    slots = new Int32Array(capacity * 4);
    keys = ensureInt32(keys, capacity * 1.5);
    const mask = capacity - 1;
    for (let j = 0; j < old.length; j += 4) {
      const a1 = old[j] as number;
      if (a1 === 0) continue;
      const b = old[j + 1] as number;
      const c = old[j + 2] as number;
      let k = hash(a1 - 1, b, c) & mask;
      while (slots[k * 4] !== 0) k = (k + 1) & mask;
      slots[k * 4] = a1;
      slots[k * 4 + 1] = b;
      slots[k * 4 + 2] = c;
      slots[k * 4 + 3] = old[j + 3] as number;
    }
  };
  return {
    intern(a, b, c) {
      let mask = capacity - 1;
      const a1 = a + 1;
      let j = hash(a, b, c) & mask;
      for (;;) {
        const x = slots[j * 4] as number;
        if (x === 0) break;
        if (x === a1 && slots[j * 4 + 1] === b && slots[j * 4 + 2] === c) return slots[j * 4 + 3] as number;
        j = (j + 1) & mask;
      }
      if ((size + 1) * 2 > capacity) {
        grow();
        mask = capacity - 1;
        j = hash(a, b, c) & mask;
        while (slots[j * 4] !== 0) j = (j + 1) & mask;
      }
      const id = size++;
      slots[j * 4] = a1;
      slots[j * 4 + 1] = b;
      slots[j * 4 + 2] = c;
      slots[j * 4 + 3] = id;
      keys[id * 3] = a;
      keys[id * 3 + 1] = b;
      keys[id * 3 + 2] = c;
      return id;
    },
    get size() {
      return size;
    },
    element: (id, k) => keys[id * 3 + k] as number,
    clear() {
      if (size > 0) slots.fill(0);
      size = 0;
    },
  };
}
