/** A hold on a shared value; the value is disposed when the last hold is released. */
export interface Lease<V> {
  readonly value: V;
  release(): Promise<void>;
}

interface Entry<V> {
  promise: Promise<V>;
  users: number;
}

/**
 * Values that are expensive to create and must be disposed (loaded weights, llama.cpp contexts), shared by key and
 * reference-counted: concurrent first uses share one creation, a failed creation is forgotten so a later call can
 * retry, and the value is disposed when its last user lets go (or when the cache is cleared).
 */
export class SharedCache<V> {
  private readonly entries = new Map<string, Entry<V>>();

  constructor(private readonly disposeValue: (value: V) => Promise<void>) {}

  /** Number of live keys (for tests and diagnostics). */
  get size(): number {
    return this.entries.size;
  }

  /** Hold the value for `key`, creating it with `create` if nobody holds it yet. */
  async acquire(key: string, create: () => Promise<V>): Promise<Lease<V>> {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { promise: create(), users: 0 };
      this.entries.set(key, entry);
    }
    entry.users++;
    const held = entry;
    let value: V;
    try {
      value = await held.promise;
    } catch (error) {
      held.users--;
      if (this.entries.get(key) === held) this.entries.delete(key);
      throw error;
    }
    let released = false;
    return {
      value,
      release: async () => {
        if (released) return;
        released = true;
        held.users--;
        // After clear() the entry is no longer ours to dispose: clear() already did.
        if (held.users > 0 || this.entries.get(key) !== held) return;
        this.entries.delete(key);
        await this.disposeValue(value);
      },
    };
  }

  /** Dispose every value now, whoever holds it. */
  async clear(): Promise<void> {
    const entries = [...this.entries.values()];
    this.entries.clear();
    for (const entry of entries) {
      const value = await entry.promise.then(
        (v) => ({ v }),
        () => undefined,
      );
      if (value) await this.disposeValue(value.v);
    }
  }
}
