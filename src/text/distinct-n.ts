import { createNgramEncoder } from "./ngram-encoder.ts";
import { checkN } from "./ngrams.ts";

/** Distinct-n of a set of sequences. */
export interface DistinctN {
  /** Distinct n-grams. */
  unique: number;
  /** All n-grams (n-grams never span two sequences). */
  total: number;
  /** unique / total; NaN when there are no n-grams (a sequence shorter than n is not "repetitive"). */
  ratio: number;
}

/** An incremental distinct-n counter: add one turn at a time, read the running value at any point. */
export interface DistinctCounter {
  /** Add a token sequence; returns the running distinct-n. */
  add(tokens: readonly string[]): DistinctN;
  /** The current distinct-n. */
  value(): DistinctN;
}

/** distinct-n from counts (NaN when total is 0). */
export function distinctValue(unique: number, total: number): DistinctN {
  return { unique, total, ratio: total === 0 ? Number.NaN : unique / total };
}

/**
 * Incremental distinct-n (Li et al. 2016, "A Diversity-Promoting Objective Function for Neural Conversation
 * Models"): unique n-grams ÷ total n-grams over everything added so far. The interning encoder gives every new
 * n-gram the next id, so "unique so far" is just the number of ids issued: O(tokens) per turn, however long the
 * session.
 */
export function createDistinctCounter(n: number): DistinctCounter {
  checkN(n);
  const encoder = createNgramEncoder(n);
  let total = 0;
  const value = () => distinctValue(encoder.size(n), total);
  return {
    add(tokens) {
      encoder.encodeTokens(tokens);
      total += Math.max(0, tokens.length - n + 1);
      return value();
    },
    value,
  };
}

/** Distinct-n over one or more token sequences (corpus level: n-grams are pooled across sequences). */
export function distinctN(sequences: readonly (readonly string[])[], n: number): DistinctN {
  const counter = createDistinctCounter(n);
  for (const tokens of sequences) counter.add(tokens);
  return counter.value();
}
