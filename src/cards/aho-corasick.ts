/**
 * Aho–Corasick multi-pattern matcher over UTF-16 code units. Built once from every plain lorebook key, it finds all
 * occurrences of all keys in one pass over the text, so activation costs O(text + matches) instead of
 * O(entries × keys × text). Edges live in one Map keyed by `node * 65536 + codeUnit`, which keeps 100k+ trie nodes
 * compact (a Map per node would cost ~100 bytes each).
 */
export class AhoCorasick {
  private readonly edges = new Map<number, number>();
  private readonly fail: number[] = [0];
  /** Pattern ids ending exactly at each node. */
  private readonly out: Array<number[] | undefined> = [undefined];
  /** Nearest node on the failure chain that ends a pattern (so matches are enumerated without walking every fail). */
  private readonly dict: number[] = [0];
  private readonly lengths: number[] = [];
  private nodes = 1;

  constructor(patterns: readonly string[]) {
    patterns.forEach((p, id) => {
      this.lengths[id] = p.length;
      if (p.length === 0) return;
      let node = 0;
      for (let i = 0; i < p.length; i++) {
        const key = node * 65536 + p.charCodeAt(i);
        let child = this.edges.get(key);
        if (child === undefined) {
          child = this.nodes++;
          this.edges.set(key, child);
          this.fail.push(0);
          this.out.push(undefined);
          this.dict.push(0);
        }
        node = child;
      }
      const list = this.out[node];
      if (list) list.push(id);
      else this.out[node] = [id];
    });
    this.link();
  }

  /** Number of patterns given (including empty ones, which never match). */
  get size(): number {
    return this.lengths.length;
  }

  private link(): void {
    // Children per node, to walk breadth first.
    const children: Array<Array<[number, number]>> = Array.from({ length: this.nodes }, () => []);
    for (const [key, child] of this.edges) children[Math.floor(key / 65536)]?.push([key % 65536, child]);
    const queue: number[] = [];
    for (const [, child] of children[0] ?? []) queue.push(child);
    for (let head = 0; head < queue.length; head++) {
      const node = queue[head] as number;
      for (const [code, child] of children[node] ?? []) {
        let f = this.fail[node] as number;
        let target = this.edges.get(f * 65536 + code);
        while (target === undefined && f !== 0) {
          f = this.fail[f] as number;
          target = this.edges.get(f * 65536 + code);
        }
        const fc = target ?? 0;
        this.fail[child] = fc;
        this.dict[child] = this.out[fc] ? fc : (this.dict[fc] as number);
        queue.push(child);
      }
    }
  }

  /** Call `onMatch(patternId, start, end)` for every occurrence of every pattern, in order of `end`. */
  scan(text: string, onMatch: (patternId: number, start: number, end: number) => void): void {
    let node = 0;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      let next = this.edges.get(node * 65536 + code);
      while (next === undefined && node !== 0) {
        node = this.fail[node] as number;
        next = this.edges.get(node * 65536 + code);
      }
      node = next ?? 0;
      for (let n = this.out[node] ? node : (this.dict[node] as number); n !== 0; n = this.dict[n] as number) {
        for (const id of this.out[n] as number[]) onMatch(id, i + 1 - (this.lengths[id] as number), i + 1);
      }
    }
  }
}
