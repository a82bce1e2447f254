import { UsageError } from "../core/index.ts";
import { CJK, createTokenSpans, scanTokens } from "./token-scanner.ts";

/** How Chinese and Japanese text is split into tokens. */
export type CjkTokens = "char" | "word";

/** Options of `tokenize`. */
export interface TokenizeOptions {
  /**
   * "char" (default): every Han or kana character is a token, as sacreBLEU's zh tokenizer does — fast and
   * tokenizer-free. "word": `Intl.Segmenter` words — linguistically nicer but about 0.5 µs per character (measured
   * on Node 20), i.e. more than the whole per-turn budget of a detector running at 20k turns per second.
   */
  cjk?: CjkTokens;
  /** Language tag for the segmenter in "word" mode (default "zh"). */
  lang?: string;
  /** Lowercase words (default true), so "The" and "the" are one type for distinct-n. */
  lowercase?: boolean;
}

/**
 * Split a turn into the tokens the metrics count: words (letters, digits and combining marks, with inner
 * apostrophes as in "don't") for space-delimited scripts; for Han and kana one token per character, or
 * Intl.Segmenter words with `cjk: "word"`. Punctuation, spaces and symbols are dropped.
 */
export function tokenize(text: string, options: TokenizeOptions = {}): string[] {
  const lowercase = options.lowercase !== false;
  if (options.cjk === "word") {
    const words = segmentWords(text, options.lang ?? "zh");
    return lowercase ? words.map((w) => w.toLowerCase()) : words;
  }
  const spans = scanTokens(text, SPANS);
  const out: string[] = new Array(spans.count);
  for (let i = 0; i < spans.count; i++) {
    const token = text.slice(spans.start[i], spans.end[i]);
    out[i] = lowercase && spans.flags[i] !== CJK ? token.toLowerCase() : token;
  }
  return out;
}

// Reused by every call (tokenize is synchronous and never re-entered).
const SPANS = createTokenSpans();

const segmenters = new Map<string, Intl.Segmenter>();
// Languages written without spaces between words, where only a dictionary-based segmenter finds words.
const SCRIPTIO_CONTINUA = new Set(["zh", "ja", "th", "lo", "km", "my", "yue", "wuu"]);

/**
 * Linguistic word segmentation: `Intl.Segmenter` (ICU dictionaries) word-like segments for languages written
 * without spaces (zh, ja, th, lo, km, my), the `tokenize` word rule for everything else. Not lowercased.
 */
export function segmentWords(text: string, lang: string): string[] {
  const primary = lang.toLowerCase().split(/[-_]/)[0] ?? "";
  if (!SCRIPTIO_CONTINUA.has(primary)) return tokenize(text, { lowercase: false });
  let segmenter = segmenters.get(lang);
  if (!segmenter) {
    try {
      segmenter = new Intl.Segmenter(lang, { granularity: "word" });
    } catch (cause) {
      throw new UsageError("text.invalid_language", `"${lang}" is not a language tag Intl.Segmenter accepts.`, {
        hint: 'Use a BCP 47 tag such as "zh", "zh-Hant" or "ja".',
        cause,
      });
    }
    segmenters.set(lang, segmenter);
  }
  const words: string[] = [];
  for (const s of segmenter.segment(text)) if (s.isWordLike) words.push(s.segment);
  return words;
}
