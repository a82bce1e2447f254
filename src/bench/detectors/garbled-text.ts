import { type UnknownWords, unknownEnglishWords } from "../../text/index.ts";
import type { Flag } from "../judge/flag.ts";
import { type Detector, type DetectorContext, detectorFlag } from "./detector.ts";

// Where to quote each kind of corruption from (the decision itself comes from src/text's garble signals).
const AROUND_REPLACEMENT = /[^\n]{0,12}\uFFFD[^\n]{0,12}/u;
const AROUND_CONTROL = /[^\n]{0,8}[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F][^\n]{0,8}/u;
const AROUND_PRIVATE = /[^\n]{0,8}[\uE000-\uF8FF][^\n]{0,8}/u;
const MOJIBAKE_WORD =
  /\S{0,8}[\u00C2-\u00F4][\u0080-\u00BF\u20AC\u2122\u0153\u201C\u201D\u2018\u2019\u02DC\u2013\u2014]\S{0,8}/u;
const LATIN_RUN = /[A-Za-z\u00C0-\u024F]{30,}/u;
// 1 for ASCII consonant letters (either case), y counted as a vowel.
const CONSONANT = new Uint8Array(128);
for (const ch of "bcdfghjklmnpqrstvwxz") {
  CONSONANT[ch.charCodeAt(0)] = 1;
  CONSONANT[ch.toUpperCase().charCodeAt(0)] = 1;
}

function isLetterAt(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if (Number.isNaN(c)) return false;
  if (c < 128) return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  return /\p{L}/u.test(text[i]!);
}

/** A whole word of eight or more ASCII consonants (no vowel, not even y): no English word or pinyin looks like that. */
function consonantRun(text: string): string | undefined {
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0;
    if (c < 128 && CONSONANT[c] === 1) {
      if (start < 0) start = i;
      continue;
    }
    if (start >= 0 && i - start >= 8 && !isLetterAt(text, i) && !isLetterAt(text, start - 1))
      return text.slice(start, i);
    start = -1;
  }
  return undefined;
}

const ASCII_SYMBOL = /[#$%^&@|\\`<>{}=+[\]/]/;
const SYMBOL_RUN = /(?:[#$%^&@|\\`<>{}=+[\]/\p{S}]\s?){6,}/gu;

/** A run of six or more symbols made of at least four different ones ("#@$%&^"), unlike "~~~~~~" or an emoji row. */
function symbolNoise(text: string): string | undefined {
  for (const m of text.matchAll(SYMBOL_RUN)) {
    const distinct = new Set(m[0].replace(/\s/g, ""));
    if (distinct.size >= 4 && !/\p{Extended_Pictographic}/u.test(m[0])) return m[0];
  }
  return undefined;
}

// Made-up words. One reply with three or more of them, an eighth of its words or more, is garbled on its own; clean
// prose never reaches that (0 of 2,112 clean replies, synthetic and from real cards). Across a session, a tiny model's
// English-looking nonsense is 4.5–20% unknown words (7–24 distinct per 6 replies), clean sessions at most 0.3% (2
// distinct): past MADE_UP_SESSION_RATE distinct unknown words per word (and MADE_UP_SESSION_MIN of them) every reply
// with an unknown word is flagged. On stories260K replies not used to set these: 18 of 18 flagged.
const MADE_UP_TURN_MIN = 3;
const MADE_UP_TURN_SHARE = 0.12;
const MADE_UP_SESSION_RATE = 0.02;
const MADE_UP_SESSION_MIN = 5;

/** Words the session's own card makes known (invented names and terms the character may use). */
function cardWords(input: DetectorContext): Set<string> {
  const text = `${input.aiName} ${input.userName} ${input.aiSetting ?? ""}`.toLowerCase();
  return new Set(text.match(/[a-z]{3,}/g) ?? []);
}

/** Per NPC turn, its made-up-word verdict (English scenarios only): undefined when the turn is not garbled. */
function madeUpWords(input: DetectorContext): Array<string[] | undefined> {
  if (!input.lang.toLowerCase().startsWith("en")) return input.npc.map(() => undefined);
  const known = cardWords(input);
  const perTurn: UnknownWords[] = input.npc.map((t) => unknownEnglishWords(t.text, known));
  const counted = perTurn.reduce((n, w) => n + w.counted, 0);
  const distinct = new Set(perTurn.flatMap((w) => w.unknown)).size;
  const sessionGarbled = distinct >= MADE_UP_SESSION_MIN && distinct >= MADE_UP_SESSION_RATE * counted;
  return perTurn.map((w) => {
    const unique = new Set(w.unknown).size;
    const alone = unique >= MADE_UP_TURN_MIN && w.unknown.length >= MADE_UP_TURN_SHARE * w.counted;
    return alone || (sessionGarbled && unique > 0) ? [...new Set(w.unknown)] : undefined;
  });
}

/** The first occurrence of `word` as a whole word, with a few words around it. */
function aroundWord(text: string, word: string): string | undefined {
  return new RegExp(`(?:\\S+\\s+){0,3}(?<![A-Za-z])${word}(?![A-Za-z])(?:\\s+\\S+){0,3}`).exec(text)?.[0];
}

/**
 * Garbled text, decided on src/text's garble signals: replacement characters (U+FFFD), control or private-use
 * characters, UTF-8 read as Latin-1 (mojibake), a 30+ letter run with no space, 8+ consonants with no vowel, a
 * dense run of unrelated symbols — or, in English, made-up words that no dictionary holds ("a peop replake a spen",
 * what tiny models write), judged per reply and across the session. One flag per turn, quoting the corrupted spot.
 */
export const garbledTextDetector: Detector = {
  name: "garbled-text",
  subtypes: ["garbled_text"],
  detect(input) {
    const flags: Flag[] = [];
    let madeUp: Array<string[] | undefined> | undefined;
    input.npc.forEach((turn, i) => {
      const g = input.metrics[i]!.garble;
      let hit: [string | undefined, string] | undefined;
      // Only a text with 8 ASCII consonants in a row can hold such a word: src/text counted the longest run.
      const consonants = g.longestConsonantRun >= 8 && g.longestLatinRun < 30 ? consonantRun(turn.text) : undefined;
      if (g.replacementChars > 0)
        hit = [AROUND_REPLACEMENT.exec(turn.text)?.[0], "replacement characters: text was decoded wrongly"];
      else if (g.controlChars > 0) hit = [AROUND_CONTROL.exec(turn.text)?.[0], "control characters in the text"];
      else if (g.privateUse > 0) hit = [AROUND_PRIVATE.exec(turn.text)?.[0], "private-use characters in the text"];
      else if (g.mojibake > 0 && MOJIBAKE_WORD.test(turn.text))
        hit = [MOJIBAKE_WORD.exec(turn.text)?.[0], "mojibake: UTF-8 shown as Latin-1"];
      else if (g.longestLatinRun >= 30) hit = [LATIN_RUN.exec(turn.text)?.[0], "a long run of letters with no space"];
      else if (consonants) hit = [consonants, "a letter string with no vowels"];
      else {
        // Gate: symbol runs need symbol characters, which src/text counted (\p{S}) or a plain scan finds (ASCII).
        const noise = g.symbolRatio > 0 || ASCII_SYMBOL.test(turn.text) ? symbolNoise(turn.text) : undefined;
        if (noise) hit = [noise, "a run of unrelated symbols"];
        else {
          madeUp ??= madeUpWords(input);
          const words = madeUp[i];
          if (words)
            hit = [
              aroundWord(turn.text, words[0]!),
              `made-up words that are not English: ${words
                .slice(0, 5)
                .map((w) => `"${w}"`)
                .join(", ")}${words.length > 5 ? ", …" : ""}`,
            ];
        }
      }
      if (hit) flags.push(detectorFlag("garbled-text", "garbled_text", turn, hit[0] ?? "", 2, hit[1]));
    });
    return flags;
  },
};
