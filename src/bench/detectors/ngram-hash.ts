const B1 = 1000003;
const B2 = 0x9e3779b1;

function power(base: number, exp: number): number {
  let r = 1;
  for (let i = 0; i < exp; i++) r = Math.imul(r, base) >>> 0;
  return r;
}

let scratch = new Int32Array(1024);

/**
 * 30-bit hashes of every n-gram of a token-id sequence (`out[i]` = the n-gram starting at i; the count is
 * `ids.length − n + 1`, or 0), from two rolling polynomial hashes folded together: O(1) per position, and
 * small-integer keys for an NgramTable. The repetition detectors count with them instead of building n-gram
 * strings — the string form was most of the detectors' time. A collision can only add a spurious count to one
 * n-gram; with the few thousand n-grams of a session in a 2^30 space that is about a 1-in-20 chance per session of
 * one such count, far from the three or four matching counts a flag needs. The result lives in a buffer shared by
 * every call (valid until the next call): a fresh array per turn measured slower than the hashing.
 */
export function ngramHashes(ids: Int32Array, n: number): Int32Array {
  const count = ids.length - n + 1;
  if (count <= 0) return scratch.subarray(0, 0);
  if (count > scratch.length) scratch = new Int32Array(Math.max(count, scratch.length * 2));
  const out = scratch;
  let h1 = 0;
  let h2 = 0;
  for (let j = 0; j < n; j++) {
    h1 = (Math.imul(h1, B1) + ids[j]!) >>> 0;
    h2 = (Math.imul(h2, B2) + ids[j]!) >>> 0;
  }
  const p1 = power(B1, n - 1);
  const p2 = power(B2, n - 1);
  for (let i = 0; ; i++) {
    out[i] = (h1 ^ Math.imul(h2, 0x27d4eb2d)) & 0x3fffffff;
    if (i + n >= ids.length) break;
    h1 = (Math.imul((h1 - Math.imul(ids[i]!, p1)) >>> 0, B1) + ids[i + n]!) >>> 0;
    h2 = (Math.imul((h2 - Math.imul(ids[i]!, p2)) >>> 0, B2) + ids[i + n]!) >>> 0;
  }
  return out.subarray(0, count);
}

/** Offsets of a slot's three free fields in `NgramTable.data`. */
export const FIELD_A = 1;
export const FIELD_B = 2;
export const FIELD_C = 3;

/**
 * A small open-addressing table from 30-bit n-gram hashes to three integer fields, reused across turns and sessions
 * so the repetition detectors allocate nothing per turn (Maps and Sets per turn were most of their time, and of the
 * GC). A slot is four adjacent int32s — key, then the fields at FIELD_A/B/C — so a probe touches one cache line;
 * `clear()` resets only the slots used since the last clear.
 */
export class NgramTable {
  /** Slots: [key (−1 = empty), a, b, c] × capacity. */
  data: Int32Array;
  private mask: number;
  private used: Int32Array;
  private count = 0;

  constructor(capacityPow2 = 1024) {
    this.data = new Int32Array(capacityPow2 * 4).fill(-1);
    this.mask = capacityPow2 - 1;
    this.used = new Int32Array(capacityPow2 / 2);
  }

  /** The slot (an offset into `data`) of `key`, a non-negative 30-bit hash, created with zeroed fields if absent. */
  slot(key: number): number {
    if (this.count * 2 >= this.mask + 1) this.grow();
    const data = this.data;
    let i = Math.imul(key, 0x9e3779b1) >>> 0;
    for (;;) {
      i &= this.mask;
      const s = i * 4;
      const k = data[s]!;
      if (k === key) return s;
      if (k === -1) {
        data[s] = key;
        data[s + 1] = 0;
        data[s + 2] = 0;
        data[s + 3] = 0;
        this.used[this.count++] = s;
        return s;
      }
      i++;
    }
  }

  /** Forget every key. */
  clear(): void {
    for (let j = 0; j < this.count; j++) this.data[this.used[j]!] = -1;
    this.count = 0;
  }

  private grow(): void {
    const old = this.data;
    const oldUsed = this.used;
    const oldCount = this.count;
    const capacity = (this.mask + 1) * 2;
    this.data = new Int32Array(capacity * 4).fill(-1);
    this.mask = capacity - 1;
    this.used = new Int32Array(capacity / 2);
    this.count = 0;
    for (let j = 0; j < oldCount; j++) {
      const from = oldUsed[j]!;
      const to = this.slot(old[from]!);
      this.data[to + 1] = old[from + 1]!;
      this.data[to + 2] = old[from + 2]!;
      this.data[to + 3] = old[from + 3]!;
    }
  }
}
