/**
 * A stabbing index over half-open turn intervals [from, to): "which ids are valid at turn t?" in time
 * proportional to the answer, not to the whole history.
 *
 * Turns are cut into buckets of `bucketSize`. `starts[k]` holds the ids whose interval starts in bucket k;
 * `crossing[k]` the ids that started before bucket k and are still valid at its first turn. A query at t in
 * bucket k looks only at those two sets. An interval that stays open is copied into each later bucket's
 * `crossing` set once (when the bucket is created or the interval inserted), so memory is about
 * (live intervals × buckets) ids — a few MB at 100,000 events — and every update touches only the buckets the
 * interval's ends move across. Updates are exact inverses of each other, which rollback relies on.
 */
export class IntervalIndex {
  private readonly iv = new Map<string, { from: number; to: number }>();
  private readonly starts: Array<Set<string>> = [];
  private readonly crossing: Array<Set<string>> = [];

  constructor(private readonly bucketSize = 512) {}

  /** Number of intervals indexed. */
  get size(): number {
    return this.iv.size;
  }

  /** Add an interval; `to` = Infinity for one still open. */
  insert(id: string, from: number, to = Number.POSITIVE_INFINITY): void {
    if (this.iv.has(id)) throw new Error(`interval ${id} already indexed`);
    this.iv.set(id, { from, to });
    const kf = this.bucket(from);
    this.ensure(kf);
    (this.starts[kf] as Set<string>).add(id);
    this.setCrossing(id, kf + 1, this.lastBucketBefore(to), true);
  }

  /** Add an interval, or move an existing one to [from, to). */
  upsert(id: string, from: number, to = Number.POSITIVE_INFINITY): void {
    const entry = this.iv.get(id);
    if (entry && entry.from === from) {
      if (entry.to !== to) this.setEnd(id, to);
      return;
    }
    if (entry) this.remove(id);
    this.insert(id, from, to);
  }

  /** Remove an interval. */
  remove(id: string): void {
    const entry = this.iv.get(id);
    if (!entry) return;
    const kf = this.bucket(entry.from);
    this.starts[kf]?.delete(id);
    this.setCrossing(id, kf + 1, this.lastBucketBefore(entry.to), false);
    this.iv.delete(id);
  }

  /** Change where an interval ends (closing it, or reopening it on rollback). */
  setEnd(id: string, to = Number.POSITIVE_INFINITY): void {
    const entry = this.iv.get(id);
    if (!entry) throw new Error(`interval ${id} not indexed`);
    const kf = this.bucket(entry.from);
    const oldLast = this.lastBucketBefore(entry.to);
    const newLast = this.lastBucketBefore(to);
    if (newLast < oldLast) this.setCrossing(id, Math.max(kf + 1, newLast + 1), oldLast, false);
    else if (newLast > oldLast) this.setCrossing(id, Math.max(kf + 1, oldLast + 1), newLast, true);
    entry.to = to;
  }

  /** The interval of an id, if indexed. */
  get(id: string): { from: number; to: number } | undefined {
    return this.iv.get(id);
  }

  /** Every id whose interval contains `turn`, in no particular order. */
  at(turn: number): string[] {
    const k = this.bucket(turn);
    const out: string[] = [];
    if (k >= this.starts.length) {
      // Past the last bucket: only intervals open to infinity can be valid, and they all cross into the last one.
      const last = this.starts.length - 1;
      if (last < 0) return out;
      for (const id of this.crossing[last] as Set<string>)
        if ((this.iv.get(id) as { to: number }).to > turn) out.push(id);
      for (const id of this.starts[last] as Set<string>) {
        const e = this.iv.get(id) as { from: number; to: number };
        if (e.from <= turn && e.to > turn) out.push(id);
      }
      return out;
    }
    for (const id of this.crossing[k] as Set<string>) if ((this.iv.get(id) as { to: number }).to > turn) out.push(id);
    for (const id of this.starts[k] as Set<string>) {
      const e = this.iv.get(id) as { from: number; to: number };
      if (e.from <= turn && e.to > turn) out.push(id);
    }
    return out;
  }

  private bucket(turn: number): number {
    return Math.floor(turn / this.bucketSize);
  }

  /** The last bucket whose first turn lies before `to` (the interval is valid at that bucket's start). */
  private lastBucketBefore(to: number): number {
    return to === Number.POSITIVE_INFINITY ? Number.POSITIVE_INFINITY : Math.ceil(to / this.bucketSize) - 1;
  }

  private setCrossing(id: string, fromBucket: number, toBucket: number, add: boolean): void {
    const last = Math.min(toBucket, this.crossing.length - 1);
    for (let k = fromBucket; k <= last; k++) {
      const set = this.crossing[k] as Set<string>;
      if (add) set.add(id);
      else set.delete(id);
    }
  }

  /** Create buckets up to k; a new bucket's crossing set is everything still valid at its first turn. */
  private ensure(k: number): void {
    while (this.starts.length <= k) {
      const n = this.starts.length;
      const crossing = new Set<string>();
      if (n > 0) {
        const first = n * this.bucketSize;
        for (const id of this.crossing[n - 1] as Set<string>)
          if ((this.iv.get(id) as { to: number }).to > first) crossing.add(id);
        for (const id of this.starts[n - 1] as Set<string>)
          if ((this.iv.get(id) as { to: number }).to > first) crossing.add(id);
      }
      this.starts.push(new Set());
      this.crossing.push(crossing);
    }
  }
}
