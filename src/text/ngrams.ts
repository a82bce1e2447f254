import { UsageError } from "../core/index.ts";

/** Joins the tokens of an n-gram key; tokens never contain it (they are letters and digits). */
export const NGRAM_SEPARATOR = "\u0001";

/** Throws unless n is a positive integer. */
export function checkN(n: number): void {
  if (!Number.isInteger(n) || n < 1) {
    throw new UsageError("text.invalid_n", `n-gram order must be a positive integer, got ${n}.`);
  }
}

/** The n-grams of a token sequence as string keys (tokens joined by NGRAM_SEPARATOR); none when it is shorter. */
export function ngrams(tokens: readonly string[], n: number): string[] {
  checkN(n);
  const out: string[] = [];
  for (let i = 0; i + n <= tokens.length; i++) {
    let key = tokens[i] as string;
    for (let j = 1; j < n; j++) key += NGRAM_SEPARATOR + (tokens[i + j] as string);
    out.push(key);
  }
  return out;
}

/** Counts of each n-gram in a token sequence. */
export function ngramCounts(tokens: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (const key of ngrams(tokens, n)) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}

/** The tokens of an n-gram key. */
export function ngramTokens(key: string): string[] {
  return key.split(NGRAM_SEPARATOR);
}

/**
 * Character n-grams, a tokenizer-free view that works the same for every language: the text is lowercased and each
 * run of whitespace becomes one space; n-grams are over code points (so an astral character counts once).
 */
export function charNgrams(text: string, n: number): string[] {
  checkN(n);
  const chars = Array.from(text.toLowerCase().replace(/\s+/gu, " ").trim());
  const out: string[] = [];
  for (let i = 0; i + n <= chars.length; i++) out.push(chars.slice(i, i + n).join(""));
  return out;
}
