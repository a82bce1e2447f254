/**
 * Token ids: a one-character token (every Han character, in the default tokenization) is its own code unit; a
 * longer token is a 30-bit FNV-1a hash of its text with the top bit set, so the two ranges never meet. Hashing instead
 * of numbering keeps this allocation-free (a Map lookup per word was a tenth of the detectors' time); two words
 * sharing a hash can only merge their n-gram counts, which needs the rest of the n-gram to match too.
 */
export class TokenIds {
  /** The ids of a token sequence. */
  of(tokens: readonly string[]): Int32Array {
    const out = new Int32Array(tokens.length);
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (t.length === 1) {
        out[i] = t.charCodeAt(0) + 1;
        continue;
      }
      let h = 0x811c9dc5;
      for (let j = 0; j < t.length; j++) h = Math.imul(h ^ t.charCodeAt(j), 0x01000193);
      out[i] = ((h >>> 2) | 0x20000000) & 0x3fffffff;
    }
    return out;
  }
}

const B1 = 1000003;
const B2 = 0x9e3779b1;

function power(base: number, exp: number): number {
  let r = 1;
  for (let i = 0; i < exp; i++) r = Math.imul(r, base) >>> 0;
  return r;
}

/**
 * 30-bit hashes of every n-gram of an id sequence (`out[i]` = the n-gram starting at i), from two rolling
 * polynomial hashes folded together: O(1) per position, and small-integer keys that Maps and Sets handle fast.
 * The repetition detectors count with them instead of building n-gram strings — the string form was most of the
 * detectors' time. A collision can only add a spurious count to one n-gram; with the few thousand n-grams of a
 * session in a 2^30 space that is about a 1-in-20 chance per session of one such count, far from the three or four
 * matching counts a flag needs.
 */
export function ngramHashes(ids: Int32Array, n: number): Int32Array {
  const count = ids.length - n + 1;
  if (count <= 0) return new Int32Array(0);
  const out = new Int32Array(count);
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
  return out;
}

/**
 * A small open-addressing table from 30-bit n-gram hashes to three integer fields, reused across turns so the
 * repetition detectors allocate nothing per turn (Maps and Sets per turn were most of their time, and of the GC).
 * `clear()` resets only the slots used since the last clear.
 */
export class NgramTable {
  private keys: Int32Array;
  /** Three fields per slot, free for the caller's use (last position, run, count; or count and turn stamp). */
  a: Int32Array;
  b: Int32Array;
  c: Int32Array;
  private mask: number;
  private used: number[] = [];

  constructor(capacityPow2 = 1024) {
    this.keys = new Int32Array(capacityPow2).fill(-1);
    this.a = new Int32Array(capacityPow2);
    this.b = new Int32Array(capacityPow2);
    this.c = new Int32Array(capacityPow2);
    this.mask = capacityPow2 - 1;
  }

  /** The slot of `key` (a non-negative 30-bit hash), creating it with zeroed fields when absent. */
  slot(key: number): number {
    if (this.used.length * 2 >= this.keys.length) this.grow();
    let i = Math.imul(key, 0x9e3779b1) >>> 0;
    for (;;) {
      i &= this.mask;
      const k = this.keys[i]!;
      if (k === key) return i;
      if (k === -1) {
        this.keys[i] = key;
        this.a[i] = 0;
        this.b[i] = 0;
        this.c[i] = 0;
        this.used.push(i);
        return i;
      }
      i++;
    }
  }

  /** Forget every key. */
  clear(): void {
    for (const i of this.used) this.keys[i] = -1;
    this.used = [];
  }

  private grow(): void {
    const old = { keys: this.keys, a: this.a, b: this.b, c: this.c, used: this.used };
    const size = this.keys.length * 2;
    this.keys = new Int32Array(size).fill(-1);
    this.a = new Int32Array(size);
    this.b = new Int32Array(size);
    this.c = new Int32Array(size);
    this.mask = size - 1;
    this.used = [];
    for (const i of old.used) {
      const j = this.slot(old.keys[i]!);
      this.a[j] = old.a[i]!;
      this.b[j] = old.b[i]!;
      this.c[j] = old.c[i]!;
    }
  }
}
