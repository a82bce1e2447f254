/** Returns `array` if it can hold index `size − 1`, else a copy at least twice as long (amortised O(1) growth). */
export function ensureInt32(array: Int32Array, size: number): Int32Array {
  if (size <= array.length) return array;
  const grown = new Int32Array(Math.max(size, array.length * 2, 16));
  grown.set(array);
  return grown;
}
