import type { Flag } from "../judge/flag.ts";
import { type Detector, detectorFlag } from "./detector.ts";

// Where to quote each kind of corruption from (the decision itself comes from src/text's garble signals).
const AROUND_REPLACEMENT = /[^\n]{0,12}\uFFFD[^\n]{0,12}/u;
const AROUND_CONTROL = /[^\n]{0,8}[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F][^\n]{0,8}/u;
const AROUND_PRIVATE = /[^\n]{0,8}[\uE000-\uF8FF][^\n]{0,8}/u;
const MOJIBAKE_WORD =
  /\S{0,8}[\u00C2-\u00F4][\u0080-\u00BF\u20AC\u2122\u0153\u201C\u201D\u2018\u2019\u02DC\u2013\u2014]\S{0,8}/u;
const LATIN_RUN = /[A-Za-z\u00C0-\u024F]{30,}/u;
// Eight or more consonants with no vowel (not even y): no English word and no pinyin looks like that.
const CONSONANT_RUN = /(?<![\p{L}])[b-df-hj-np-tv-xz]{8,}(?![\p{L}])/iu;
const SYMBOL_RUN = /(?:[#$%^&@|\\`<>{}=+[\]/\p{S}]\s?){6,}/gu;

/** A run of six or more symbols made of at least four different ones ("#@$%&^"), unlike "~~~~~~" or an emoji row. */
function symbolNoise(text: string): string | undefined {
  for (const m of text.matchAll(SYMBOL_RUN)) {
    const distinct = new Set(m[0].replace(/\s/g, ""));
    if (distinct.size >= 4 && !/\p{Extended_Pictographic}/u.test(m[0])) return m[0];
  }
  return undefined;
}

/**
 * Garbled text, decided on src/text's garble signals: replacement characters (U+FFFD), control or private-use
 * characters, UTF-8 read as Latin-1 (mojibake), a 30+ letter run with no space, 8+ consonants with no vowel, or
 * a dense run of unrelated symbols. One flag per turn, quoting the corrupted spot.
 */
export const garbledTextDetector: Detector = {
  name: "garbled-text",
  subtypes: ["garbled_text"],
  detect(input) {
    const flags: Flag[] = [];
    input.npc.forEach((turn, i) => {
      const g = input.metrics[i]!.garble;
      let hit: [string | undefined, string] | undefined;
      if (g.replacementChars > 0)
        hit = [AROUND_REPLACEMENT.exec(turn.text)?.[0], "replacement characters: text was decoded wrongly"];
      else if (g.controlChars > 0) hit = [AROUND_CONTROL.exec(turn.text)?.[0], "control characters in the text"];
      else if (g.privateUse > 0) hit = [AROUND_PRIVATE.exec(turn.text)?.[0], "private-use characters in the text"];
      else if (g.mojibake > 0 && MOJIBAKE_WORD.test(turn.text))
        hit = [MOJIBAKE_WORD.exec(turn.text)?.[0], "mojibake: UTF-8 shown as Latin-1"];
      else if (g.longestLatinRun >= 30) hit = [LATIN_RUN.exec(turn.text)?.[0], "a long run of letters with no space"];
      else if (g.longestLatinRun >= 8 && CONSONANT_RUN.test(turn.text))
        hit = [CONSONANT_RUN.exec(turn.text)?.[0], "a letter string with no vowels"];
      else {
        const noise = symbolNoise(turn.text);
        if (noise) hit = [noise, "a run of unrelated symbols"];
      }
      if (hit) flags.push(detectorFlag("garbled-text", "garbled_text", turn, hit[0] ?? "", 2, hit[1]));
    });
    return flags;
  },
};
