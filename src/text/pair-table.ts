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
}

/**
 * Open-addressing hash table (linear probing, load ≤ ½) over two Int32Arrays. It exists because the obvious
 * `Map<number, number>` keyed by a × 2²² + b boxes every key above 2³¹ as a heap number: measured ~3× slower per
 * lookup on Node 20, and this lookup runs once per n-gram per order on every turn.
 */
export function createPairTable(initialCapacity = 1024): PairTable {
  let capacity = 1;
  while (capacity < initialCapacity * 2) capacity *= 2;
  let slotA = new Int32Array(capacity).fill(-1);
  let slotB = new Int32Array(capacity);
  let slotId = new Int32Array(capacity);
  // id → pair; at load ≤ ½ there are at most capacity/2 ids, so these grow only in grow().
  let firsts: Int32Array = new Int32Array(capacity / 2);
  let seconds: Int32Array = new Int32Array(capacity / 2);
  let size = 0;
  // murmur3's fmix32 over a·φ + b: linear probing takes the low bits, which a bare multiplicative hash leaves weak.
  const hash = (a: number, b: number): number => {
    let h = (Math.imul(a, 0x9e3779b1) + b) | 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) >>> 0;
  };
  const find = (a: number, b: number): number => {
    const mask = capacity - 1;
    let j = hash(a, b) & mask;
    for (;;) {
      const x = slotA[j] as number;
      if (x === -1 || (x === a && slotB[j] === b)) return j;
      j = (j + 1) & mask;
    }
  };
  const grow = (): void => {
    const oldA = slotA;
    const oldB = slotB;
    const oldId = slotId;
    capacity *= 2;
    firsts = ensureInt32(firsts, capacity / 2);
    seconds = ensureInt32(seconds, capacity / 2);
    slotA = new Int32Array(capacity).fill(-1);
    slotB = new Int32Array(capacity);
    slotId = new Int32Array(capacity);
    for (let j = 0; j < oldA.length; j++) {
      const a = oldA[j] as number;
      if (a === -1) continue;
      const k = find(a, oldB[j] as number);
      slotA[k] = a;
      slotB[k] = oldB[j] as number;
      slotId[k] = oldId[j] as number;
    }
  };
  return {
    get(a, b) {
      const j = find(a, b);
      return slotA[j] === -1 ? -1 : (slotId[j] as number);
    },
    intern(a, b) {
      let j = find(a, b);
      if (slotA[j] !== -1) return slotId[j] as number;
      if ((size + 1) * 2 > capacity) {
        grow();
        j = find(a, b);
      }
      const id = size++;
      slotA[j] = a;
      slotB[j] = b;
      slotId[j] = id;
      firsts[id] = a;
      seconds[id] = b;
      return id;
    },
    get size() {
      return size;
    },
    first: (id) => firsts[id] as number,
    second: (id) => seconds[id] as number,
  };
}
