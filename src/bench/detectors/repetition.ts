import { repeatedNgrams } from "../../text/index.ts";
import type { Flag } from "../judge/flag.ts";
import { type Detector, detectorFlag } from "./detector.ts";
import { locateTokens } from "./token-quote.ts";

function firstWords(text: string): string {
  return text.trim().slice(0, 80);
}

/** Token positions where an n-gram starts. */
function positions(tokens: readonly string[], gram: readonly string[]): number[] {
  const out: number[] = [];
  for (let i = 0; i + gram.length <= tokens.length; i++) {
    let same = true;
    for (let j = 0; j < gram.length && same; j++) same = tokens[i + j] === gram[j];
    if (same) out.push(i);
  }
  return out;
}

/**
 * Heavy repetition inside one reply: a phrase (4 words, or 6 Han characters) said three or more times in a row —
 * each use at most 2n tokens after the previous one — as degenerate decoding produces ("I love you. I love you.
 * I love you."). A name that recurs across a long reply is not repetition, so spread-out uses do not count.
 */
export const withinTurnRepetitionDetector: Detector = {
  name: "within-turn-repetition",
  subtypes: ["heavy_repetition"],
  detect(input) {
    const zh = input.lang.startsWith("zh");
    const flags: Flag[] = [];
    const n = zh ? 6 : 4;
    input.npc.forEach((turn, i) => {
      const tokens = input.tokens[i]!;
      // Necessary condition, from the bigrams already counted: an n-gram used three times repeats each of its
      // bigrams twice, so at least 6 bigram occurrences are repeats. Most turns are ruled out here for free.
      const bigrams = tokens.length - 1;
      const d2 = input.metrics[i]!.distinct2;
      if (!(bigrams >= 3 * n - 1) || !(Math.round(d2 * bigrams) <= bigrams - 6)) return;
      const top = repeatedNgrams(tokens, n, 3).find((r) => {
        const at = positions(tokens, r.tokens);
        let run = 1;
        for (let i = 1; i < at.length; i++) {
          run = at[i]! - at[i - 1]! <= 2 * n ? run + 1 : 1;
          if (run >= 3) return true;
        }
        return false;
      });
      if (!top) return;
      const quote = locateTokens(turn.text, top.tokens) ?? "";
      flags.push(
        detectorFlag(
          "within-turn-repetition",
          "heavy_repetition",
          turn,
          quote,
          top.count >= 5 ? 3 : 2,
          `a phrase repeated ${top.count} times in one reply`,
        ),
      );
    });
    return flags;
  },
};

/**
 * Loops: a reply of some substance (20+ letters, 8+ in zh) that nearly duplicates an earlier NPC reply (Jaccard
 * similarity of character shingles ≥ 0.6, from src/text's streaming near-duplicate index). Flagged at the later
 * round.
 */
export const loopDetector: Detector = {
  name: "loop",
  subtypes: ["loop"],
  detect(input) {
    const flags: Flag[] = [];
    const minChars = input.lang.startsWith("zh") ? 8 : 20;
    input.npc.forEach((turn, i) => {
      // "Hm." twice is not a loop: only replies with some substance can repeat one.
      if (input.tokens[i]!.join("").length < minChars) return;
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

const B1 = 1000003;
const B2 = 0x9e3779b1;

/** base^exp mod 2^32. */
function power(base: number, exp: number): number {
  let r = 1;
  for (let i = 0; i < exp; i++) r = Math.imul(r, base) >>> 0;
  return r;
}

/**
 * Single-pattern phrasing: the same long phrase (7 words, or 12 Han characters) in four or more NPC replies of a
 * session — a template the model keeps reusing. Flagged where the fourth use happens, quoting the phrase.
 */
export const stockPhraseDetector: Detector = {
  name: "stock-phrase",
  subtypes: ["single_pattern_phrasing"],
  detect(input) {
    const n = input.lang.startsWith("zh") ? 12 : 7;
    // n-grams as numbers: tokens interned to ids, then two independent 32-bit rolling hashes packed into 53 bits
    // (a collision among a session's few thousand n-grams is vanishingly unlikely), so no n-gram string is built.
    const ids = new Map<string, number>();
    const seen = new Map<number, number>();
    const flags: Flag[] = [];
    input.npc.forEach((turn, t) => {
      const tokens = input.tokens[t]!;
      if (tokens.length < n) return;
      const idOf = tokens.map((tok) => {
        let id = ids.get(tok);
        if (id === undefined) {
          id = ids.size + 1;
          ids.set(tok, id);
        }
        return id;
      });
      const inTurn = new Set<number>();
      let hitAt = -1;
      // Rolling polynomial hashes mod 2^32: O(1) per position.
      let h1 = 0;
      let h2 = 0;
      for (let j = 0; j < n; j++) {
        h1 = (Math.imul(h1, B1) + idOf[j]!) >>> 0;
        h2 = (Math.imul(h2, B2) + idOf[j]!) >>> 0;
      }
      const p1 = power(B1, n - 1);
      const p2 = power(B2, n - 1);
      for (let i = 0; ; i++) {
        const key = h1 * 2097152 + (h2 & 0x1fffff);
        if (!inTurn.has(key)) {
          inTurn.add(key);
          const count = (seen.get(key) ?? 0) + 1;
          seen.set(key, count);
          if (count === 4 && hitAt < 0) hitAt = i;
        }
        if (i + n >= idOf.length) break;
        h1 = (Math.imul((h1 - Math.imul(idOf[i]!, p1)) >>> 0, B1) + idOf[i + n]!) >>> 0;
        h2 = (Math.imul((h2 - Math.imul(idOf[i]!, p2)) >>> 0, B2) + idOf[i + n]!) >>> 0;
      }
      if (hitAt >= 0) {
        const quote = locateTokens(turn.text, tokens.slice(hitAt, hitAt + n)) ?? "";
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
 * Stagnation: three NPC replies in a row that each score a self-BLEU of at least 0.8 (en) or 0.9 (zh, where
 * character n-grams overlap more) against the 20 replies before them — the rolling window of src/text's
 * transcript metrics: the story is retold rather than moved. The thresholds sit above the 99th percentile of the
 * synthetic clean transcripts (0.63 en, 0.75 zh). Advisory — a rule cannot see plot, so this subtype is not among
 * those whose precision the flaw-injection set guarantees.
 */
export const stagnationDetector: Detector = {
  name: "stagnation",
  subtypes: ["stagnation"],
  detect(input) {
    const threshold = input.lang.startsWith("zh") ? 0.9 : 0.8;
    const flags: Flag[] = [];
    let streak = 0;
    input.npc.forEach((turn, i) => {
      const bleu = input.metrics[i]!.selfBleu;
      streak = Number.isFinite(bleu) && bleu >= threshold ? streak + 1 : 0;
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
