/** How the index reads an item: its id, and the half-open turn interval [from, to) it is valid over. */
export interface IntervalSpan<T> {
  id(item: T): string;
  from(item: T): number;
  /** Infinity while the item is still valid. */
  to(item: T): number;
}

/**
 * A stabbing index over half-open turn intervals [from, to): "which items are valid at turn t?" in time
 * proportional to the answer, not to the whole history.
 *
 * Turns are cut into buckets of `bucketSize`. `starts[k]` holds the items whose interval starts in bucket k;
 * `crossing[k]` the items that started before bucket k and are still valid at its first turn. A query at t in
 * bucket k looks only at those two sets. An interval that stays open is copied into each later bucket's
 * `crossing` set once (when the bucket is created or the item added), so memory is about
 * (live intervals × buckets) entries — a few MB at 100,000 events — and every update touches only the buckets
 * the interval's ends move across. Updates are exact inverses of each other, which rollback relies on.
 *
 * The index keeps no interval of its own: the caller passes the interval on every update (it holds the item,
 * so it knows), and queries read it from the item through `span`. The sets hold the items themselves, so an
 * update hashes an object's identity — no id string to hash and compare, no per-id map to look the interval up
 * in — which is what makes moving a projection across a thousand turns cheap.
 */
export class IntervalIndex<T> {
  private readonly starts: Array<Set<T>> = [];
  private readonly crossing: Array<Set<T>> = [];
  private count = 0;

  constructor(
    private readonly span: IntervalSpan<T>,
    private readonly bucketSize = 512,
  ) {}

  /** Number of items indexed. */
  get size(): number {
    return this.count;
  }

  /** Index an item valid over [from, to); `to` = Infinity for one still open. Throws if already indexed. */
  add(item: T, from: number, to = Number.POSITIVE_INFINITY): void {
    const kf = this.bucket(from);
    this.ensure(kf);
    const starts = this.starts[kf] as Set<T>;
    const n = starts.size;
    starts.add(item);
    if (starts.size === n) throw new Error(`interval ${this.span.id(item)} already indexed`);
    this.count++;
    this.setCrossing(item, kf + 1, this.lastBucketBefore(to), true);
  }

  /** Remove an item indexed over [from, to). Throws if it was not indexed there. */
  remove(item: T, from: number, to = Number.POSITIVE_INFINITY): void {
    const kf = this.bucket(from);
    if (!this.starts[kf]?.delete(item)) throw new Error(`interval ${this.span.id(item)} not indexed`);
    this.count--;
    this.setCrossing(item, kf + 1, this.lastBucketBefore(to), false);
  }

  /** Move where an indexed item's interval ends (closing it, or reopening it on rollback). */
  moveEnd(item: T, from: number, oldTo: number, newTo: number): void {
    // The buckets between the two ends gain the item (the end moved later) or lose it (earlier).
    const oldLast = this.lastBucketBefore(oldTo);
    const newLast = this.lastBucketBefore(newTo);
    const first = Math.max(this.bucket(from), Math.min(oldLast, newLast)) + 1;
    this.setCrossing(item, first, Math.max(oldLast, newLast), newLast > oldLast);
  }

  /** Every item whose interval contains `turn`, in no particular order. */
  itemsAt(turn: number): T[] {
    const out: T[] = [];
    // Past the last bucket only intervals open to infinity can be valid, and they all reach the last one.
    const k = Math.min(this.bucket(turn), this.starts.length - 1);
    if (k < 0) return out;
    const { from, to } = this.span;
    for (const item of this.crossing[k] as Set<T>) if (to(item) > turn) out.push(item);
    for (const item of this.starts[k] as Set<T>) if (from(item) <= turn && to(item) > turn) out.push(item);
    return out;
  }

  /** The ids of every item whose interval contains `turn`, in no particular order. */
  at(turn: number): string[] {
    return this.itemsAt(turn).map(this.span.id);
  }

  private bucket(turn: number): number {
    return Math.floor(turn / this.bucketSize);
  }

  /** The last bucket whose first turn lies before `to` (the interval is valid at that bucket's start). */
  private lastBucketBefore(to: number): number {
    return to === Number.POSITIVE_INFINITY ? Number.POSITIVE_INFINITY : Math.ceil(to / this.bucketSize) - 1;
  }

  private setCrossing(item: T, fromBucket: number, toBucket: number, add: boolean): void {
    const last = Math.min(toBucket, this.crossing.length - 1);
    for (let k = fromBucket; k <= last; k++) {
      const set = this.crossing[k] as Set<T>;
      if (add) set.add(item);
      else set.delete(item);
    }
  }

  /**
   * Create buckets up to k; a new bucket's crossing set is everything still valid at its first turn. It is
   * filled through `setCrossing`, the path every other update takes, so that path is compiled and has type
   * feedback by the time a rollback or branch switch first needs it (rather than deoptimising on first use).
   */
  private ensure(k: number): void {
    const to = this.span.to;
    while (this.starts.length <= k) {
      const n = this.starts.length;
      this.starts.push(new Set());
      this.crossing.push(new Set());
      if (n === 0) continue;
      const first = n * this.bucketSize;
      for (const item of this.crossing[n - 1] as Set<T>) if (to(item) > first) this.setCrossing(item, n, n, true);
      for (const item of this.starts[n - 1] as Set<T>) if (to(item) > first) this.setCrossing(item, n, n, true);
    }
  }
}
