/** Above this many cells the exact distance is not worth the time; the bound below is used instead. */
const MAX_CELLS = 4_000_000;

/**
 * Character-level Levenshtein distance. The common prefix and suffix are trimmed first (edits are usually local);
 * when what remains is still huge, the lower bound max(|a|,|b|) of the trimmed middles is returned.
 */
export function editDistance(a: string, b: string): number {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const x = a.slice(start, endA);
  const y = b.slice(start, endB);
  if (x.length === 0) return y.length;
  if (y.length === 0) return x.length;
  if (x.length * y.length > MAX_CELLS) return Math.max(x.length, y.length);
  let prev = new Uint32Array(y.length + 1);
  let cur = new Uint32Array(y.length + 1);
  for (let j = 0; j <= y.length; j++) prev[j] = j;
  for (let i = 1; i <= x.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[y.length] ?? 0;
}

/** Words in a text (for expected reading time); CJK text counts characters. */
export function wordCount(text: string): number {
  const words = text.match(/[\p{L}\p{N}'’-]+/gu) ?? [];
  let count = 0;
  for (const w of words) count += /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u.test(w) ? w.length : 1;
  return count;
}
