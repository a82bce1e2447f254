import { createTranscriptMetrics, type TranscriptMetrics, type TurnMetrics } from "../../text/index.ts";
import type { Flag } from "../judge/flag.ts";
import type { QuotableTurn } from "../judge/quote-check.ts";
import type { Subtype } from "../taxonomy.ts";
import type { Detector, DetectorContext, DetectorInput } from "./detector.ts";
import { scoredNpcTurns } from "./detector.ts";
import { dialogueLanguage } from "./dialogue-language.ts";
import { formattingGlitchDetector } from "./formatting-glitch.ts";
import { garbledTextDetector } from "./garbled-text.ts";
import { groupSpeakerDetector } from "./group-speaker.ts";
import { immersionErosionDetector } from "./immersion-erosion.ts";
import { languageMixDetector } from "./language-mix.ts";
import { lengthDriftDetector } from "./length-drift.ts";
import { aiDisclosureDetector, refusalDetector } from "./refusal.ts";
import { loopDetector, stagnationDetector, stockPhraseDetector, withinTurnRepetitionDetector } from "./repetition.ts";
import { rushedPacingDetector } from "./rushed-pacing.ts";
import { silenceDetector } from "./silence.ts";
import { speaksForUserDetector } from "./speaks-for-user.ts";
import { truncationDetector } from "./truncation.ts";

/** Every rule-based detector, in report order. */
export const DETECTORS: readonly Detector[] = [
  garbledTextDetector,
  languageMixDetector,
  withinTurnRepetitionDetector,
  formattingGlitchDetector,
  truncationDetector,
  loopDetector,
  stockPhraseDetector,
  lengthDriftDetector,
  stagnationDetector,
  rushedPacingDetector,
  aiDisclosureDetector,
  immersionErosionDetector,
  speaksForUserDetector,
  silenceDetector,
  refusalDetector,
  groupSpeakerDetector,
];

/**
 * The subtypes a rule can find reliably: for these the flaw-injection evaluation must show precision and recall of
 * at least 0.95 (`troupe bench calibrate detectors`). Stagnation, rushed pacing and immersion erosion are detected
 * but advisory (a rule sees the words, not the plot), and left to the judge-level calibration.
 */
export const RULE_DETECTABLE_SUBTYPES = [
  "garbled_text",
  "mixed_language",
  "heavy_repetition",
  "formatting_glitch",
  "truncation",
  "loop",
  "single_pattern_phrasing",
  "length_drift",
  "ai_self_disclosure",
  "speaks_for_user",
  "silence_no_hook",
  "over_refusal",
] as const satisfies readonly Subtype[];

// One analyser per language, reset for each session: detection is synchronous, and allocating and growing the
// analyser's tables afresh for every 50-turn session cost about as much as analysing it. A session of more than
// KEEP_TOKENS tokens is analysed by an analyser of its own, so one huge transcript does not pin its tables in memory.
const analysers = new Map<string, TranscriptMetrics>();
const KEEP_TOKENS = 100_000;
let busy = false;

function createAnalyser(lang: string): TranscriptMetrics {
  // The rolling self-BLEU is left off: it would halve throughput, and stagnation reads the repeated n-gram rate
  // (session-level self-BLEU and distinct-n are in the report instead).
  return createTranscriptMetrics({
    lang,
    rollingSelfBleu: false,
    languageMix: { minSpanLetters: lang.startsWith("zh") ? 4 : 2 },
  });
}

function analyserFor(lang: string, npc: readonly QuotableTurn[]): TranscriptMetrics {
  let characters = 0;
  for (const t of npc) characters += t.text.length;
  // Tokens are at most characters; re-entry (a detector running detectors) must not reset the analyser in use.
  if (busy || characters > KEEP_TOKENS) return createAnalyser(lang);
  let metrics = analysers.get(lang);
  if (metrics) metrics.reset();
  else {
    metrics = createAnalyser(lang);
    if (analysers.size >= 16) analysers.clear();
    analysers.set(lang, metrics);
  }
  return metrics;
}

/**
 * Run the detectors over one session's NPC turns (generated rounds only). Text metrics are computed once, in one
 * streaming pass of src/text, and shared by every detector. Without a scenario language the dialogue's own text
 * gives it. Flags come sorted by round.
 */
export function runDetectors(input: DetectorInput, detectors: readonly Detector[] = DETECTORS): Flag[] {
  const npc = scoredNpcTurns(input.turns);
  const lang = input.lang || dialogueLanguage(input.turns);
  const metrics = analyserFor(lang, npc);
  const wasBusy = busy;
  busy = true;
  try {
    const perTurn = npc.map((t) => metrics.push(t.text));
    const context: DetectorContext = {
      ...input,
      lang,
      npc,
      metrics: perTurn,
      tokens: (i, from, count) =>
        Array.from((perTurn[i] as TurnMetrics).tokenIds.subarray(from, from + count), (id) => metrics.tokenText(id)),
    };
    return detectors
      .flatMap((d) => d.detect(context))
      .sort((a, b) => a.round - b.round || a.subtype.localeCompare(b.subtype));
  } finally {
    busy = wasBusy;
  }
}
