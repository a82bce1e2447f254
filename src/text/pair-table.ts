import { ensureInt32 } from "./int-buffer.ts";

/** A map from pairs of non-negative int32s to dense ids 0, 1, 2, … in order of first insertion. */
export interface PairTable {
  /** The id of (a, b), or −1 when absent. */
  get(a: number, b: number): number;
  /** The id of (a, b), adding it if absent. */
  intern(a: number, b: number): number;
  /** Number of pairs. */
  readonly size: number;
  /** First element of the pair with this id. */
  first(id: number): number;
  /** Second element of the pair with this id. */
  second(id: number): number;
  /** Forget every pair, keeping the memory (cost: one fill of the slots). */
  clear(): void;
}

// murmur3's fmix32 over a·φ + b: linear probing uses the low bits, which a bare multiplicative hash leaves weak.
function hash(a: number, b: number): number {
  let h = (Math.imul(a, 0x9e3779b1) + b) | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * Open-addressing hash table (linear probing, load ≤ ½). Each slot is three adjacent int32s — key a + 1 (0 marks
 * an empty slot, so a fresh table needs no fill pass), key b, id — so a probe touches one cache line. A lookup runs
 * once per n-gram per order on every turn; separate key and id arrays, or a `Map` keyed by a × 2²² + b (which
 * boxes keys above 2³¹), measured several times slower. The table grows 4× at a time up to 32 768 slots, then 2×:
 * a transcript's tables reach tens of thousands of entries, and rehashing through every power of two cost as much
 * as the inserts, while growing 4× past that overshoots (a table twice as large as needed misses the cache more).
 */
export function createPairTable(initialCapacity = 2048): PairTable {
  let capacity = 1;
  while (capacity < initialCapacity * 2) capacity *= 2;
  let slots = new Int32Array(capacity * 3);
  let firsts: Int32Array = new Int32Array(capacity / 2);
  let seconds: Int32Array = new Int32Array(capacity / 2);
  let size = 0;
  const grow = (): void => {
    const old = slots;
    capacity *= capacity < 1 << 15 ? 4 : 2;
    slots = new Int32Array(capacity * 3);
    firsts = ensureInt32(firsts, capacity / 2);
    seconds = ensureInt32(seconds, capacity / 2);
    const mask = capacity - 1;
    for (let j = 0; j < old.length; j += 3) {
      const a1 = old[j] as number;
      if (a1 === 0) continue;
      const b = old[j + 1] as number;
      let k = hash(a1 - 1, b) & mask;
      while (slots[k * 3] !== 0) k = (k + 1) & mask;
      slots[k * 3] = a1;
      slots[k * 3 + 1] = b;
      slots[k * 3 + 2] = old[j + 2] as number;
    }
  };
  return {
    get(a, b) {
      const mask = capacity - 1;
      const a1 = a + 1;
      let j = hash(a, b) & mask;
      for (;;) {
        const x = slots[j * 3] as number;
        if (x === 0) return -1;
        if (x === a1 && slots[j * 3 + 1] === b) return slots[j * 3 + 2] as number;
        j = (j + 1) & mask;
      }
    },
    intern(a, b) {
      let mask = capacity - 1;
      const a1 = a + 1;
      let j = hash(a, b) & mask;
      for (;;) {
        const x = slots[j * 3] as number;
        if (x === 0) break;
        if (x === a1 && slots[j * 3 + 1] === b) return slots[j * 3 + 2] as number;
        j = (j + 1) & mask;
      }
      if ((size + 1) * 2 > capacity) {
        grow();
        mask = capacity - 1;
        j = hash(a, b) & mask;
        while (slots[j * 3] !== 0) j = (j + 1) & mask;
      }
      const id = size++;
      slots[j * 3] = a1;
      slots[j * 3 + 1] = b;
      slots[j * 3 + 2] = id;
      firsts[id] = a;
      seconds[id] = b;
      return id;
    },
    get size() {
      return size;
    },
    first: (id) => firsts[id] as number,
    second: (id) => seconds[id] as number,
    clear() {
      if (size > 0) slots.fill(0);
      size = 0;
    },
  };
}
