// Public API of troupe's text metrics: pure functions over strings, no I/O, for the bench's rule-based detectors.
export { type BleuOptions, sentenceBleu } from "./bleu.ts";
export { type CompressionOptions, compressionRatio } from "./compression.ts";
export { createDistinctCounter, type DistinctCounter, type DistinctN, distinctN } from "./distinct-n.ts";
export { englishLexicon, type UnknownWords, unknownEnglishWords } from "./english-lexicon.ts";
export { type GarbleSignals, garbleSignals } from "./garble.ts";
export { guessLanguage, type LanguageGuess } from "./language-guess.ts";
export { type LengthTrend, lengthTrend } from "./length-trend.ts";
export {
  createNearDuplicateIndex,
  jaccard,
  type NearDuplicateIndex,
  type NearDuplicateMatch,
  type NearDuplicateOptions,
  type NearDuplicatePair,
  nearDuplicates,
} from "./near-duplicates.ts";
export { charNgrams, NGRAM_SEPARATOR, ngramCounts, ngrams, ngramTokens } from "./ngrams.ts";
export {
  createNgramHistory,
  type HistoryOverlap,
  type NgramHistory,
  type RepeatedNgram,
  repeatedNgramRate,
  repeatedNgrams,
} from "./repeated-ngrams.ts";
export { isCjkScript, SCRIPT_NAMES, type ScriptName, scriptOf } from "./script.ts";
export {
  expectedScripts,
  type ForeignSpan,
  type LanguageMix,
  type LanguageMixOptions,
  languageMix,
  type ScriptCounts,
  scriptCounts,
} from "./script-mix.ts";
export { type SelfBleu, selfBleu } from "./self-bleu.ts";
export { createSelfBleuWindow, type SelfBleuWindow } from "./self-bleu-window.ts";
export { sortedOverlap } from "./sorted-overlap.ts";
export { type CjkTokens, segmentWords, type TokenizeOptions, tokenize } from "./tokenize.ts";
export {
  createTranscriptMetrics,
  type TranscriptMetrics,
  type TranscriptMetricsOptions,
  type TranscriptSummary,
  type TurnMetrics,
} from "./transcript-metrics.ts";
