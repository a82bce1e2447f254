import { type BleuOptions, bleuSettings } from "./bleu.ts";
import { compressionRatio } from "./compression.ts";
import { type GarbleSignals, garbleSignals } from "./garble.ts";
import { type LengthTrend, lengthTrend } from "./length-trend.ts";
import {
  createEncodedNearDuplicateIndex,
  type NearDuplicateMatch,
  type NearDuplicatePair,
  nearDuplicateSettings,
} from "./near-duplicates.ts";
import { createNgramEncoder, type EncodedTurn } from "./ngram-encoder.ts";
import { createEncodedNgramHistory } from "./repeated-ngrams.ts";
import { type LanguageMix, type LanguageMixOptions, languageMix } from "./script-mix.ts";
import { selfBleuEncoded } from "./self-bleu.ts";
import { createEncodedSelfBleuWindow } from "./self-bleu-window.ts";
import { type CjkTokens, tokenize } from "./tokenize.ts";
import { checkWindow } from "./window.ts";

/** Options of `createTranscriptMetrics`. */
export interface TranscriptMetricsOptions {
  /** Scenario language ("en", "zh", …): the expected language for mixing, and the segmenter language. */
  lang: string;
  /** Turns of history each new turn is compared with for repeated n-grams and self-BLEU (default 20, one chunk). */
  window?: number;
  /** n of the cross-turn repeated n-gram rate (default 3). */
  repeatN?: number;
  /** BLEU settings of the final (and the optional rolling) self-BLEU (default BLEU-4, NLTK method1 smoothing). */
  bleu?: BleuOptions;
  /**
   * Score every turn with BLEU against the window's turns (`TurnMetrics.selfBleu`; default true). `false` (as the
   * bench's detectors run) saves about half of the per-turn cost — bigram and 4-gram ids are then interned only
   * when `summary()` runs — when the repeated n-gram rate and near-duplicates are all a caller needs; the summary's
   * exact self-BLEU is computed either way.
   */
  rollingSelfBleu?: boolean;
  /** Jaccard threshold for near-duplicate turns (default 0.5). */
  nearDuplicateThreshold?: number;
  /** Earlier turns a turn is checked against for near-duplicates (default Infinity: all of them). */
  nearDuplicateWindow?: number;
  /** Han/kana tokens: "char" (default, fast) or "word" (Intl.Segmenter, ~10× slower on zh). */
  cjk?: CjkTokens;
  /** Language-mix options (allowed extra scripts, minimum span length). */
  languageMix?: LanguageMixOptions;
  /** gzip level for the summary's compression ratio (default 9). */
  compressionLevel?: number;
}

/** Metrics of one turn, computed as it arrives. */
export interface TurnMetrics {
  /** 0-based index of the turn in this transcript. */
  index: number;
  /** Length in tokens: words in space-delimited languages, characters (or words with cjk "word") in zh/ja. */
  length: number;
  /**
   * The turn's tokens as ids, one numbering for the whole transcript (equal tokens, equal ids; `tokenText` gives the
   * token back) — for callers that count phrases across turns without rebuilding token strings.
   */
  tokenIds: Int32Array;
  /** Distinct-1 within the turn (NaN for an empty turn). */
  distinct1: number;
  /** Distinct-2 within the turn (NaN below 2 tokens). */
  distinct2: number;
  /** Share of the turn's n-grams (n = repeatN) already used in the window (NaN when it has none). */
  repeatedNgramRate: number;
  /** Those repeated n-grams' tokens. */
  repeatedNgrams: string[][];
  /** BLEU of the turn against the window's turns (NaN for the first turn, or when `rollingSelfBleu` is false). */
  selfBleu: number;
  /** Earlier turns this one nearly duplicates. */
  nearDuplicates: NearDuplicateMatch[];
  /** Script mix against the scenario language. */
  languageMix: LanguageMix;
  /** Garbled-text signals. */
  garble: GarbleSignals;
}

/** Transcript-level metrics over every turn pushed so far. */
export interface TranscriptSummary {
  /** Number of turns. */
  turns: number;
  /** Corpus distinct-1 over all turns. */
  distinct1: number;
  /** Corpus distinct-2. */
  distinct2: number;
  /** Corpus distinct-3. */
  distinct3: number;
  /** Exact self-BLEU over all turns (each against all others); NaN below 2 turns. */
  selfBleu: number;
  /** gzip compression ratio of all turns joined (higher = more repetitive); NaN for no text. */
  compressionRatio: number;
  /** Every pair of near-duplicate turns (within `nearDuplicateWindow`). */
  nearDuplicatePairs: NearDuplicatePair[];
  /** Foreign letters ÷ letters over the whole transcript. */
  foreignRatio: number;
  /** Length trend (null below 2 turns). */
  lengthTrend: LengthTrend | null;
}

/** A streaming analyser for one speaker's turns in one transcript. */
export interface TranscriptMetrics {
  /** Analyse the next turn. */
  push(text: string): TurnMetrics;
  /** The token with id `id` (see `TurnMetrics.tokenIds`). */
  tokenText(id: number): string;
  /** Transcript-level metrics so far (cheap enough to call once per chunk or at the end). */
  summary(): TranscriptSummary;
  /**
   * Start a new transcript with the same options, keeping the memory already allocated: the tables of a 50-turn
   * session cost about as much to allocate and grow as the session costs to analyse, so a caller analysing many
   * transcripts in a row should reuse one analyser. Metrics returned so far keep their values, except their
   * `tokenIds`, whose memory is reused.
   */
  reset(): void;
}

/**
 * Everything the rule-based detectors need, per turn, in one pass: length, within-turn distinct-n, cross-turn
 * repeated n-grams and rolling self-BLEU over a window, near-duplicates of earlier turns, language mix and garble
 * signals. Each turn is tokenized and interned once (dense n-gram ids shared by every metric), and every per-turn
 * structure costs O(the turn's own n-grams) — so throughput does not fall as a 100-turn session goes on. Feed it
 * one speaker's turns (e.g. the NPC's); use one analyser per transcript (or `reset` it between transcripts).
 */
export function createTranscriptMetrics(options: TranscriptMetricsOptions): TranscriptMetrics {
  const window = checkWindow(options.window ?? 20);
  const bleu = bleuSettings(options.bleu);
  const repeatN = options.repeatN ?? 3;
  const near = nearDuplicateSettings({
    ...(options.nearDuplicateThreshold === undefined ? {} : { threshold: options.nearDuplicateThreshold }),
    window: options.nearDuplicateWindow ?? Number.POSITIVE_INFINITY,
  });
  const rolling = options.rollingSelfBleu !== false;
  // Orders encoded on every turn; the summary's self-BLEU extends turns to bleu.maxN only when it runs.
  const perTurnOrders = Math.max(repeatN, near.k, 3, rolling ? bleu.maxN : 0);
  // Without the rolling self-BLEU no per-turn metric needs bigram ids (only their count), so they wait for summary().
  const lazyBigrams = !rolling && repeatN !== 2 && near.k !== 2;
  const encoder = createNgramEncoder(Math.max(perTurnOrders, bleu.maxN), { lazyBigrams });
  const history = createEncodedNgramHistory(encoder, repeatN, window);
  let bleuWindow = rolling ? createEncodedSelfBleuWindow(bleu, window, encoder) : undefined;
  const duplicates = createEncodedNearDuplicateIndex(near.k, near.threshold, near.window);
  const cjk = options.cjk ?? "char";
  const texts: string[] = [];
  const turns: EncodedTurn[] = [];
  const pairs: NearDuplicatePair[] = [];
  let totals = [0, 0, 0];
  let letters = 0;
  let foreign = 0;
  const withinDistinct = (turn: EncodedTurn, k: number): number => {
    const all = Math.max(0, turn.length - k);
    return all === 0 ? Number.NaN : encoder.distinctCount(turn, k) / all;
  };
  return {
    push(text) {
      const index = texts.length;
      const turn =
        cjk === "char"
          ? encoder.encodeText(text, perTurnOrders)
          : encoder.encodeTokens(tokenize(text, { cjk, lang: options.lang }), perTurnOrders);
      // The rolling self-BLEU counts each order's distinct n-grams, which distinct-n then reuses.
      const selfBleu = bleuWindow ? bleuWindow.push(turn) : Number.NaN;
      const distinct1 = withinDistinct(turn, 0);
      const distinct2 = withinDistinct(turn, 1);
      for (let k = 0; k < 3; k++) totals[k]! += Math.max(0, turn.length - k);
      const overlap = history.push(turn);
      const nearDuplicates = duplicates.add(turn);
      for (const m of nearDuplicates) pairs.push({ first: m.index, second: index, similarity: m.similarity });
      const mix = languageMix(text, options.lang, options.languageMix);
      letters += mix.letters;
      foreign += mix.foreignLetters;
      texts.push(text);
      turns.push(turn);
      return {
        index,
        length: turn.length,
        tokenIds: turn.grams[0] as Int32Array,
        distinct1,
        distinct2,
        repeatedNgramRate: overlap.rate,
        repeatedNgrams: overlap.repeated,
        selfBleu,
        nearDuplicates,
        languageMix: mix,
        garble: garbleSignals(text),
      };
    },
    tokenText: (id) => encoder.tokensOf(1, id)[0] as string,
    summary() {
      // Every order up to BLEU's, including bigrams the per-turn path left out, before the sizes are read.
      const full = turns.map((t) => encoder.extend(t, Math.max(3, bleu.maxN)));
      const ratio = (k: number) =>
        (totals[k] as number) === 0 ? Number.NaN : encoder.size(k + 1) / (totals[k] as number);
      return {
        turns: texts.length,
        distinct1: ratio(0),
        distinct2: ratio(1),
        distinct3: ratio(2),
        selfBleu: selfBleuEncoded(
          full,
          Array.from({ length: bleu.maxN }, (_, k) => encoder.size(k + 1)),
          bleu,
        ).mean,
        compressionRatio:
          texts.length === 0 ? Number.NaN : compressionRatio(texts, { level: options.compressionLevel ?? 9 }),
        nearDuplicatePairs: [...pairs],
        foreignRatio: letters === 0 ? 0 : foreign / letters,
        lengthTrend: turns.length < 2 ? null : lengthTrend(turns.map((t) => t.length)),
      };
    },
    reset() {
      history.reset();
      duplicates.reset();
      encoder.reset();
      if (rolling) bleuWindow = createEncodedSelfBleuWindow(bleu, window, encoder);
      texts.length = 0;
      turns.length = 0;
      pairs.length = 0;
      totals = [0, 0, 0];
      letters = 0;
      foreign = 0;
    },
  };
}
