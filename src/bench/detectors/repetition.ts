import type { Flag } from "../judge/flag.ts";
import { type Detector, detectorFlag } from "./detector.ts";
import { FIELD_A, FIELD_B, FIELD_C, NgramTable, ngramHashes } from "./ngram-hash.ts";
import { locateTokens } from "./token-quote.ts";

function firstWords(text: string): string {
  return text.trim().slice(0, 80);
}

// Scratch tables reused across sessions (detection is synchronous, so one at a time uses them): allocating and
// growing a table per session was a fifth of the detectors' time on Chinese transcripts.
const WITHIN_TURN_TABLE = new NgramTable(1024);
const SESSION_TABLE = new NgramTable(32768);

/**
 * Heavy repetition inside one reply: a phrase (4 words, or 6 Han characters) said three or more times in a row —
 * each use at most 2n tokens after the previous one — as degenerate decoding produces ("I love you. I love you.
 * I love you."). A name that recurs across a long reply is not repetition, so spread-out uses do not count.
 */
export const withinTurnRepetitionDetector: Detector = {
  name: "within-turn-repetition",
  subtypes: ["heavy_repetition"],
  detect(input) {
    const n = input.lang.startsWith("zh") ? 6 : 4;
    const flags: Flag[] = [];
    const table = WITHIN_TURN_TABLE;
    input.npc.forEach((turn, i) => {
      const ids = input.metrics[i]!.tokenIds;
      // Necessary condition, from the bigrams already counted: an n-gram used three times repeats each of its
      // bigrams twice, so at least 6 bigram occurrences are repeats. Most turns are ruled out here for free.
      const bigrams = ids.length - 1;
      const d2 = input.metrics[i]!.distinct2;
      if (!(bigrams >= 3 * n - 1) || !(Math.round(d2 * bigrams) <= bigrams - 6)) return;
      const hashes = ngramHashes(ids, n);
      // Per n-gram (slot fields): A = 1 + where it last started, B = non-overlapping uses in a row (each ≤ 2n after
      // the previous), C = uses in all.
      table.clear();
      let hit = -1;
      for (let p = 0; p < hashes.length && hit < 0; p++) {
        const s = table.slot(hashes[p]!);
        const data = table.data; // re-read: slot() may have grown the table
        const prev = data[s + FIELD_A]! - 1;
        if (prev >= 0 && p - prev < n) continue; // overlaps its previous use
        data[s + FIELD_B] = prev >= 0 && p - prev <= 2 * n ? data[s + FIELD_B]! + 1 : 1;
        data[s + FIELD_A] = p + 1;
        data[s + FIELD_C]! += 1;
        if (data[s + FIELD_B]! >= 3) hit = p;
      }
      if (hit < 0) return;
      const count = table.data[table.slot(hashes[hit]!) + FIELD_C]!;
      const quote = locateTokens(turn.text, input.tokens(i, hit, n)) ?? "";
      flags.push(
        detectorFlag(
          "within-turn-repetition",
          "heavy_repetition",
          turn,
          quote,
          count >= 5 ? 3 : 2,
          `a phrase repeated ${count} times in one reply`,
        ),
      );
    });
    return flags;
  },
};

/**
 * Loops: a reply of some substance (4+ words, 8+ characters in zh) that nearly duplicates an earlier NPC reply (Jaccard
 * similarity of character shingles ≥ 0.6, from src/text's streaming near-duplicate index). Flagged at the later
 * round.
 */
export const loopDetector: Detector = {
  name: "loop",
  subtypes: ["loop"],
  detect(input) {
    const flags: Flag[] = [];
    const minTokens = input.lang.startsWith("zh") ? 8 : 4;
    input.npc.forEach((turn, i) => {
      // "Hm." twice is not a loop: only replies with some substance can repeat one.
      if (input.metrics[i]!.length < minTokens) return;
      const best = input.metrics[i]!.nearDuplicates.find((m) => m.similarity >= 0.6);
      if (!best) return;
      const earlier = input.npc[best.index]!;
      flags.push(
        detectorFlag(
          "loop",
          "loop",
          turn,
          firstWords(turn.text),
          best.similarity >= 0.85 ? 3 : 2,
          `nearly repeats the reply at round ${earlier.round} (similarity ${best.similarity.toFixed(2)})`,
        ),
      );
    });
    return flags;
  },
};

/**
 * Single-pattern phrasing: the same long phrase (7 words, or 12 Han characters) in four or more NPC replies of a
 * session — a template the model keeps reusing. Flagged where the fourth use happens, quoting the phrase.
 */
export const stockPhraseDetector: Detector = {
  name: "stock-phrase",
  subtypes: ["single_pattern_phrasing"],
  detect(input) {
    const n = input.lang.startsWith("zh") ? 12 : 7;
    // Per n-gram over the whole session: A = replies that used it, B = 1 + the last reply that did.
    const table = SESSION_TABLE;
    table.clear();
    const flags: Flag[] = [];
    input.npc.forEach((turn, t) => {
      const ids = input.metrics[t]!.tokenIds;
      if (ids.length < n) return;
      const hashes = ngramHashes(ids, n);
      let hitAt = -1;
      for (let i = 0; i < hashes.length; i++) {
        const s = table.slot(hashes[i]!);
        const data = table.data; // re-read: slot() may have grown the table
        if (data[s + FIELD_B] === t + 1) continue; // counted for this reply already
        data[s + FIELD_B] = t + 1;
        data[s + FIELD_A]! += 1;
        if (data[s + FIELD_A] === 4 && hitAt < 0) hitAt = i;
      }
      if (hitAt >= 0) {
        const quote = locateTokens(turn.text, input.tokens(t, hitAt, n)) ?? "";
        flags.push(
          detectorFlag(
            "stock-phrase",
            "single_pattern_phrasing",
            turn,
            quote,
            1,
            "the same phrase opens or fills a fourth reply",
          ),
        );
      }
    });
    return flags;
  },
};

/**
 * Stagnation: three NPC replies in a row that each reuse at least 75% (en) or 85% (zh, where character trigrams
 * overlap more) of their word trigrams from the 20 replies before them — src/text's cross-turn repeated n-gram rate:
 * the story is retold rather than moved. The thresholds sit above the largest value on the synthetic clean
 * transcripts (0.64 en, 0.79 zh, which are template-built and so more repetitive than real text). Advisory — a rule
 * cannot see plot, so this subtype is not among those whose precision the flaw-injection set guarantees.
 */
export const stagnationDetector: Detector = {
  name: "stagnation",
  subtypes: ["stagnation"],
  detect(input) {
    const threshold = input.lang.startsWith("zh") ? 0.85 : 0.75;
    const flags: Flag[] = [];
    let streak = 0;
    input.npc.forEach((turn, i) => {
      const reuse = input.metrics[i]!.repeatedNgramRate;
      streak = Number.isFinite(reuse) && reuse >= threshold ? streak + 1 : 0;
      if (streak === 3)
        flags.push(
          detectorFlag(
            "stagnation",
            "stagnation",
            turn,
            firstWords(turn.text),
            1,
            "three replies in a row largely retell earlier ones",
          ),
        );
    });
    return flags;
  },
};
