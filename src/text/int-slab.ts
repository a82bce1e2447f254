/**
 * Hands out Int32Array views of large shared chunks. A fresh typed array of a few hundred elements lives outside
 * V8's heap and measured about 0.9 µs to allocate and collect — a dozen per turn were a tenth of the per-turn
 * budget — while a view of an existing buffer costs about 40 ns. Views keep their chunk alive, so use one slab per
 * transcript (its turns' arrays live as long as the transcript anyway).
 */
export interface IntSlab {
  /** A view of `length` int32s; its contents are unspecified until written. */
  take(length: number): Int32Array;
  /**
   * Room for up to `maxLength` int32s in `buffer` from the returned offset, for a result whose length is known
   * only once written; `commit(length)` then returns the view and claims the space.
   */
  reserve(maxLength: number): number;
  /** The chunk the last `reserve` made room in. */
  readonly buffer: Int32Array;
  /** Claims the first `length` int32s reserved by the last `reserve` and returns them. */
  commit(length: number): Int32Array;
  /** Hand out the same memory again from the start: every view handed out so far will be overwritten. */
  recycle(): void;
}

/**
 * A slab whose chunks start at 1024 int32s and double up to `maxChunk` (64 KiB by default): a short transcript
 * should not pay for a large first chunk.
 */
export function createIntSlab(maxChunk = 1 << 14): IntSlab {
  let chunkLength = 1024;
  const chunks: Int32Array[] = [new Int32Array(chunkLength)];
  let current = 0;
  let buffer = chunks[0] as Int32Array;
  let used = 0;
  const room = (length: number): void => {
    if (used + length <= buffer.length) return;
    current++;
    // A recycled slab reuses its chunks in order while they are large enough.
    while (current < chunks.length && (chunks[current] as Int32Array).length < length) chunks.splice(current, 1);
    if (current === chunks.length) {
      chunkLength = Math.min(maxChunk, chunkLength * 2);
      chunks.push(new Int32Array(Math.max(chunkLength, length)));
    }
    buffer = chunks[current] as Int32Array;
    used = 0;
  };
  return {
    take(length) {
      room(length);
      const view = buffer.subarray(used, used + length);
      used += length;
      return view;
    },
    reserve(maxLength) {
      room(maxLength);
      return used;
    },
    get buffer() {
      return buffer;
    },
    commit(length) {
      const view = buffer.subarray(used, used + length);
      used += length;
      return view;
    },
    recycle() {
      current = 0;
      buffer = chunks[0] as Int32Array;
      used = 0;
    },
  };
}
