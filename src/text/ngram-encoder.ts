import { UsageError } from "../core/index.ts";
import { ensureInt32 } from "./int-buffer.ts";
import { createLocalCounter, type LocalCounts } from "./local-counts.ts";
import { createPairTable, type PairTable } from "./pair-table.ts";
import { Script, scriptCode } from "./script.ts";
import { scanTokens } from "./token-scanner.ts";

/** One turn as dense integer n-gram ids. */
export interface EncodedTurn {
  /** Number of tokens. */
  length: number;
  /** `grams[k]` holds the ids of the turn's (k + 1)-grams, in order; ids are dense per order, from 0. */
  grams: Int32Array[];
  /** `distinct[k]`: the distinct (k + 1)-gram ids of the turn with their counts, computed once for every metric. */
  distinct: LocalCounts[];
}

/** Turns tokens into dense n-gram ids, consistently across every turn it encodes. */
export interface NgramEncoder {
  /** Highest order encoded. */
  readonly maxN: number;
  /** Encode a text with the metric tokenizer (`tokenize` with CJK characters), up to order `upTo` (default maxN). */
  encodeText(text: string, upTo?: number): EncodedTurn;
  /** Encode an already tokenized turn, up to order `upTo` (default maxN). */
  encodeTokens(tokens: readonly string[], upTo?: number): EncodedTurn;
  /** Add the orders a turn was not encoded with, up to `upTo` (in place; returns the turn). */
  extend(turn: EncodedTurn, upTo: number): EncodedTurn;
  /** How many distinct n-grams of order `n` have been seen (ids are below this). */
  size(n: number): number;
  /** The tokens of n-gram `id` of order `n`. */
  tokensOf(n: number, id: number): string[];
}

/**
 * Interning n-gram encoder. Every metric on the per-turn path works on these ids instead of string keys: a token
 * becomes a dense id (a table lookup for Han and kana, a Map lookup for words), and an (n+1)-gram becomes the id of
 * the pair (id of its n-gram prefix, id of its last token) in an open-addressing table — then metrics index typed
 * arrays by id. String n-gram keys (concatenation, then hashing a rope) measured 5–10× slower. Memory grows with
 * the distinct n-grams seen, so use one encoder per transcript.
 */
export function createNgramEncoder(maxN: number): NgramEncoder {
  if (!Number.isInteger(maxN) || maxN < 1) {
    throw new UsageError("text.invalid_n", `n-gram order must be a positive integer, got ${maxN}.`);
  }
  const words = new Map<string, number>();
  let bmp: Int32Array | undefined; // Han/kana code point → token id, allocated on the first CJK character
  const astral = new Map<number, number>();
  const tokenText: string[] = [];
  const tables: PairTable[] = Array.from({ length: maxN - 1 }, () => createPairTable());
  let tokens: Int32Array = new Int32Array(256);
  let count = 0;
  const counter = createLocalCounter();

  const sink = {
    cjk(cp: number): void {
      let id: number;
      if (cp < 0x10000) {
        if (!bmp) bmp = new Int32Array(0x10000).fill(-1);
        id = bmp[cp] as number;
        if (id < 0) {
          id = tokenText.length;
          tokenText.push(String.fromCharCode(cp));
          bmp[cp] = id;
        }
      } else {
        id = astral.get(cp) ?? -1;
        if (id < 0) {
          id = tokenText.length;
          tokenText.push(String.fromCodePoint(cp));
          astral.set(cp, id);
        }
      }
      if (count === tokens.length) tokens = ensureInt32(tokens, count + 1);
      tokens[count++] = id;
    },
    word(w: string): void {
      let id = words.get(w);
      if (id === undefined) {
        id = tokenText.length;
        tokenText.push(w);
        words.set(w, id);
      }
      if (count === tokens.length) tokens = ensureInt32(tokens, count + 1);
      tokens[count++] = id;
    },
  };
  function extend(turn: EncodedTurn, upTo: number): EncodedTurn {
    const limit = Math.min(upTo, maxN);
    const unigrams = turn.grams[0] as Int32Array;
    for (let k = turn.grams.length; k < limit; k++) {
      const previous = turn.grams[k - 1] as Int32Array;
      const table = tables[k - 1] as PairTable;
      const out = new Int32Array(Math.max(0, turn.length - k));
      for (let i = 0; i < out.length; i++) out[i] = table.intern(previous[i] as number, unigrams[i + k] as number);
      turn.grams.push(out);
      turn.distinct.push(counter.count(out));
    }
    return turn;
  }
  function build(upTo = maxN): EncodedTurn {
    const unigrams = tokens.slice(0, count);
    return extend({ length: count, grams: [unigrams], distinct: [counter.count(unigrams)] }, upTo);
  }
  return {
    maxN,
    encodeText(text, upTo) {
      count = 0;
      scanTokens(text, true, sink);
      return build(upTo);
    },
    encodeTokens(list, upTo) {
      count = 0;
      for (const w of list) {
        // A lone Han or kana character gets the same id whether it came from encodeText or from `tokenize`.
        const cp = w.codePointAt(0) ?? 0;
        const single = w.length > 0 && w.length === (cp > 0xffff ? 2 : 1);
        const code = single ? scriptCode(cp) : Script.None;
        if (code === Script.Han || code === Script.Kana || (single && cp === 0x30fc)) sink.cjk(cp);
        else sink.word(w);
      }
      return build(upTo);
    },
    extend,
    size: (n) => (n === 1 ? tokenText.length : (tables[n - 2] as PairTable).size),
    tokensOf(n, id) {
      const out: string[] = [];
      let current = id;
      for (let k = n - 1; k > 0; k--) {
        const table = tables[k - 1] as PairTable;
        out.push(tokenText[table.second(current)] as string);
        current = table.first(current);
      }
      out.push(tokenText[current] as string);
      return out.reverse();
    },
  };
}
