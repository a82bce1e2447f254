import { UsageError } from "../core/index.ts";
import { createIntSlab } from "./int-slab.ts";
import { createLocalCounter, distinctPairs, type LocalCounts } from "./local-counts.ts";
import { createPairTable, type PairTable } from "./pair-table.ts";
import { createTokenSpans, scanTokens } from "./token-scanner.ts";
import { createTokenVocabulary } from "./token-vocabulary.ts";
import { createTripleTable, type TripleTable } from "./triple-table.ts";

/** One turn as dense integer n-gram ids. */
export interface EncodedTurn {
  /** Number of tokens. */
  length: number;
  /**
   * `grams[k]` holds the ids of the turn's (k + 1)-grams, in order; ids are dense per order, from 0. With
   * `lazyBigrams`, `grams[1]` is missing until `extend` or `counts` needs it.
   */
  grams: Array<Int32Array | undefined>;
  /**
   * `fresh[k]`: the ids of order k + 1 this turn issued are exactly those ≥ fresh[k] (ids are issued in order of
   * first sight), so a turn's new n-grams are known without a lookup.
   */
  fresh: number[];
  /** `distinctCount[k]`: how many distinct (k + 1)-grams the turn has, once `NgramEncoder.distinctCount` asked. */
  distinctCount: number[];
  /** `distinct[k]`: its distinct (k + 1)-gram ids with their counts, filled on demand by `NgramEncoder.counts`. */
  distinct: Array<LocalCounts | undefined>;
}

/** Options of `createNgramEncoder`. */
export interface NgramEncoderOptions {
  /**
   * Intern bigrams only when `extend` or `counts` asks for them (default false); trigrams are then interned from
   * their three tokens, so a caller that needs bigram ids only for a final summary saves one table probe per token
   * (`distinctCount(turn, 1)` still counts a turn's distinct bigrams). Without it, a trigram is (bigram, token),
   * which is cheaper when bigrams are interned anyway.
   */
  lazyBigrams?: boolean;
}

/** Turns tokens into dense n-gram ids, consistently across every turn it encodes. */
export interface NgramEncoder {
  /** Highest order encoded. */
  readonly maxN: number;
  /** Encode a text with the metric tokenizer (`tokenize` with CJK characters), up to order `upTo` (default maxN). */
  encodeText(text: string, upTo?: number): EncodedTurn;
  /** Encode an already tokenized turn, up to order `upTo` (default maxN). */
  encodeTokens(tokens: readonly string[], upTo?: number): EncodedTurn;
  /** Add every order a turn is missing, up to `upTo` (in place; returns the turn). */
  extend(turn: EncodedTurn, upTo: number): EncodedTurn;
  /** The distinct ids of order k + 1 of a turn with their counts (computed once, then kept on the turn). */
  counts(turn: EncodedTurn, k: number): LocalCounts;
  /** How many distinct n-grams of order k + 1 a turn has (computed once, then kept on the turn). */
  distinctCount(turn: EncodedTurn, k: number): number;
  /** How many distinct n-grams of order `n` have been seen (ids are below this). */
  size(n: number): number;
  /** The tokens of n-gram `id` of order `n`. */
  tokensOf(n: number, id: number): string[];
  /** Forget every turn and id, keeping the memory; arrays of turns encoded so far will be overwritten. */
  reset(): void;
}

/**
 * Interning n-gram encoder. Every metric on the per-turn path works on these ids instead of string keys: a token
 * becomes a dense id (see token-vocabulary.ts) and an (n+1)-gram the id of (its n-gram prefix's id, its last
 * token) in an open-addressing table — except that with `lazyBigrams` a trigram is the id of its token triple, so
 * no bigram needs interning per turn — then metrics index typed arrays by id. String n-gram keys (concatenation, then hashing a
 * rope) measured 5–10× slower. A turn's arrays are views of one slab per encoder (fresh typed arrays per turn cost
 * more than the encoding). Memory grows with the distinct n-grams seen, so use one encoder per transcript (or
 * `reset` it between transcripts).
 */
export function createNgramEncoder(maxN: number, options: NgramEncoderOptions = {}): NgramEncoder {
  if (!Number.isInteger(maxN) || maxN < 1) {
    throw new UsageError("text.invalid_n", `n-gram order must be a positive integer, got ${maxN}.`);
  }
  const lazyBigrams = options.lazyBigrams === true;
  const vocabulary = createTokenVocabulary();
  // Tables are created on first use: the summary's 4-gram table is never needed by a caller that skips it.
  let trigrams: TripleTable | undefined;
  const pairs: Array<PairTable | undefined> = []; // pairs[k]: order k + 1 (bigrams, then 4-grams and above)
  const spans = createTokenSpans();
  const slab = createIntSlab();
  const counter = createLocalCounter();
  const pairTable = (k: number): PairTable => {
    let table = pairs[k];
    if (!table) {
      table = createPairTable(2048);
      pairs[k] = table;
    }
    return table;
  };
  const sizeOf = (n: number): number =>
    n === 1 ? vocabulary.size : n === 3 && lazyBigrams ? (trigrams?.size ?? 0) : (pairs[n - 1]?.size ?? 0);
  const tripleTable = (): TripleTable => {
    trigrams ??= createTripleTable(2048);
    return trigrams;
  };

  /** Fill order k + 1 (k ≥ 1) of a turn: from its tokens (bigrams; trigrams when bigrams are lazy) or order k. */
  function fill(turn: EncodedTurn, k: number): void {
    const unigrams = turn.grams[0] as Int32Array;
    const out = slab.take(Math.max(0, turn.length - k));
    if (k === 2 && lazyBigrams) {
      const table = tripleTable();
      turn.fresh[k] = table.size;
      for (let i = 0; i < out.length; i++) {
        out[i] = table.intern(unigrams[i] as number, unigrams[i + 1] as number, unigrams[i + 2] as number);
      }
    } else {
      const table = pairTable(k);
      const previous = turn.grams[k - 1] as Int32Array; // the unigrams for k = 1
      turn.fresh[k] = table.size;
      for (let i = 0; i < out.length; i++) out[i] = table.intern(previous[i] as number, unigrams[i + k] as number);
    }
    turn.grams[k] = out;
  }
  /** Orders 2…upTo of a turn, in order; bigrams are skipped when lazy unless `all`. */
  function complete(turn: EncodedTurn, upTo: number, all: boolean): EncodedTurn {
    const limit = Math.min(upTo, maxN);
    for (let k = 1; k < limit; k++) {
      if (turn.grams[k] || (k === 1 && lazyBigrams && !all)) continue;
      fill(turn, k);
    }
    return turn;
  }
  function build(unigrams: Int32Array, fresh: number, upTo = maxN): EncodedTurn {
    const turn: EncodedTurn = {
      length: unigrams.length,
      grams: [unigrams],
      fresh: [fresh],
      distinctCount: [],
      distinct: [],
    };
    return complete(turn, upTo, false);
  }
  return {
    maxN,
    encodeText(text, upTo) {
      const fresh = vocabulary.size;
      scanTokens(text, spans);
      const base = slab.reserve(spans.count);
      const buffer = slab.buffer;
      for (let i = 0; i < spans.count; i++) buffer[base + i] = vocabulary.ofSpan(text, spans, i);
      return build(slab.commit(spans.count), fresh, upTo);
    },
    encodeTokens(list, upTo) {
      const fresh = vocabulary.size;
      const unigrams = slab.take(list.length);
      for (let i = 0; i < list.length; i++) unigrams[i] = vocabulary.ofToken(list[i] as string);
      return build(unigrams, fresh, upTo);
    },
    extend: (turn, upTo) => complete(turn, upTo, true),
    counts(turn, k) {
      let local = turn.distinct[k];
      if (!local) {
        if (!turn.grams[k]) complete(turn, k + 1, true);
        local = counter.count(turn.grams[k] as Int32Array, slab);
        turn.distinct[k] = local;
      }
      return local;
    },
    distinctCount(turn, k) {
      let count = turn.distinctCount[k];
      if (count === undefined) {
        const local = turn.distinct[k];
        if (local) count = local.ids.length;
        else if (k === 1 && !turn.grams[1])
          count = distinctPairs(turn.grams[0] as Int32Array); // lazy bigrams
        else {
          complete(turn, k + 1, true);
          count = counter.distinct(turn.grams[k] as Int32Array, sizeOf(k + 1));
        }
        turn.distinctCount[k] = count;
      }
      return count;
    },
    size: sizeOf,
    tokensOf(n, id) {
      const out: string[] = [];
      let current = id;
      for (let k = n - 1; k >= 1; k--) {
        if (k === 2 && lazyBigrams) {
          const table = tripleTable();
          for (let e = 2; e >= 0; e--) out.push(vocabulary.text(table.element(current, e)));
          return out.reverse();
        }
        const table = pairTable(k);
        out.push(vocabulary.text(table.second(current)));
        current = table.first(current);
      }
      out.push(vocabulary.text(current));
      return out.reverse();
    },
    reset() {
      vocabulary.clear();
      trigrams?.clear();
      for (const t of pairs) t?.clear();
      slab.recycle();
    },
  };
}
