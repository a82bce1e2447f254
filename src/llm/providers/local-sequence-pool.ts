/**
 * A fixed set of context sequences handed out one caller at a time. A llama.cpp sequence holds one conversation's
 * state, so two calls must never share one; callers beyond the pool size wait in arrival order instead of failing.
 */
export class SequencePool<T> {
  private readonly free: T[];
  private readonly waiters: Array<{ resolve: (item: T) => void; reject: (reason: unknown) => void }> = [];

  constructor(items: readonly T[]) {
    this.free = [...items];
  }

  /** Callers currently waiting for a sequence. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Take a free sequence, waiting for one if all are busy; an abort while waiting rejects with the signal's reason. */
  acquire(signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const item = this.free.shift();
    if (item !== undefined) return Promise.resolve(item);
    return new Promise<T>((resolve, reject) => {
      const waiter = {
        resolve: (value: T) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(value);
        },
        reject,
      };
      const onAbort = (): void => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Give a sequence back; the longest-waiting caller gets it first. */
  release(item: T): void {
    const next = this.waiters.shift();
    if (next) next.resolve(item);
    else this.free.push(item);
  }
}
