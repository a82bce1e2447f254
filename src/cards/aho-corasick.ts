/**
 * Aho–Corasick multi-pattern matcher over UTF-16 code units. Built once from every plain lorebook key, it finds all
 * occurrences of all keys in one pass over the text, so activation costs O(text + matches) instead of
 * O(entries × keys × text). The trie is stored flat: the root's children in a dense 64K table (every scan step
 * that falls back to the root is one array read), every other node's children in one sorted slice of shared typed
 * arrays (most nodes have one or two children, so a short linear scan beats hashing).
 */
export class AhoCorasick {
  private readonly root = new Int32Array(65536).fill(-1);
  private readonly childStart: Int32Array;
  private readonly childCount: Int32Array;
  private readonly childCode: Uint16Array;
  private readonly childNode: Int32Array;
  private readonly fail: Int32Array;
  /** Pattern ids ending exactly at each node. */
  private readonly out: Array<number[] | undefined>;
  /** Nearest node on the failure chain that ends a pattern (so matches are enumerated without walking every fail). */
  private readonly dict: Int32Array;
  private readonly lengths: number[] = [];

  constructor(patterns: readonly string[]) {
    // Build a plain trie first (children as lists), then freeze it into the flat arrays.
    const kids: Array<Array<[number, number]>> = [[]];
    const out: Array<number[] | undefined> = [undefined];
    patterns.forEach((p, id) => {
      this.lengths[id] = p.length;
      if (p.length === 0) return;
      let node = 0;
      for (let i = 0; i < p.length; i++) {
        const code = p.charCodeAt(i);
        const list = kids[node] as Array<[number, number]>;
        let child = list.find(([c]) => c === code)?.[1];
        if (child === undefined) {
          child = kids.length;
          kids.push([]);
          out.push(undefined);
          list.push([code, child]);
        }
        node = child;
      }
      const ids = out[node];
      if (ids) ids.push(id);
      else out[node] = [id];
    });
    const n = kids.length;
    this.out = out;
    this.childStart = new Int32Array(n);
    this.childCount = new Int32Array(n);
    const total = kids.reduce((s, k) => s + k.length, 0);
    this.childCode = new Uint16Array(total);
    this.childNode = new Int32Array(total);
    let at = 0;
    for (let node = 0; node < n; node++) {
      const list = (kids[node] as Array<[number, number]>).sort((a, b) => a[0] - b[0]);
      this.childStart[node] = at;
      this.childCount[node] = list.length;
      for (const [code, child] of list) {
        this.childCode[at] = code;
        this.childNode[at] = child;
        at++;
        if (node === 0) this.root[code] = child;
      }
    }
    this.fail = new Int32Array(n);
    this.dict = new Int32Array(n);
    this.link();
  }

  /** Number of patterns given (including empty ones, which never match). */
  get size(): number {
    return this.lengths.length;
  }

  /** The child of `node` along `code`, or -1. */
  private child(node: number, code: number): number {
    if (node === 0) return this.root[code] as number;
    const start = this.childStart[node] as number;
    const end = start + (this.childCount[node] as number);
    for (let i = start; i < end; i++) if (this.childCode[i] === code) return this.childNode[i] as number;
    return -1;
  }

  private link(): void {
    const queue: number[] = [];
    for (let i = 0; i < (this.childCount[0] as number); i++) queue.push(this.childNode[i] as number);
    for (let head = 0; head < queue.length; head++) {
      const node = queue[head] as number;
      const start = this.childStart[node] as number;
      for (let i = start; i < start + (this.childCount[node] as number); i++) {
        const code = this.childCode[i] as number;
        const child = this.childNode[i] as number;
        let f = this.fail[node] as number;
        let target = this.child(f, code);
        while (target < 0 && f !== 0) {
          f = this.fail[f] as number;
          target = this.child(f, code);
        }
        const fc = Math.max(target, 0);
        this.fail[child] = fc;
        this.dict[child] = this.out[fc] ? fc : (this.dict[fc] as number);
        queue.push(child);
      }
    }
  }

  /** Call `onMatch(patternId, start, end)` for every occurrence of every pattern, in order of `end`. */
  scan(text: string, onMatch: (patternId: number, start: number, end: number) => void): void {
    // Hot loop: fields in locals, the child lookup inlined (this runs once per character of every scanned message).
    const { root, childStart, childCount, childCode, childNode, fail, out, dict, lengths } = this;
    let node = 0;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      let next = -1;
      for (;;) {
        if (node === 0) {
          next = root[code] as number;
          break;
        }
        const start = childStart[node] as number;
        const end = start + (childCount[node] as number);
        for (let c = start; c < end; c++) {
          if (childCode[c] === code) {
            next = childNode[c] as number;
            break;
          }
        }
        if (next >= 0) break;
        node = fail[node] as number;
      }
      node = Math.max(next, 0);
      for (let n = out[node] ? node : (dict[node] as number); n !== 0; n = dict[n] as number) {
        for (const id of out[n] as number[]) onMatch(id, i + 1 - (lengths[id] as number), i + 1);
      }
    }
  }
}
