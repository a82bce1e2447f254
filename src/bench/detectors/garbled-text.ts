import type { Flag } from "../judge/flag.ts";
import { type Detector, detectorFlag, scoredNpcTurns } from "./detector.ts";

// Each rule names a kind of corruption that real text does not produce: the Unicode replacement character, UTF-8
// read as Latin-1 (mojibake), control characters, dense runs of unrelated symbols, and long vowel-less letter runs.
const SYMBOL_RUN = /(?:[#$%^&@|\\`<>{}=+\u00a4-\u00bf]\s?){6,}/gu;

/** A run of six or more symbols made of at least four different ones ("#@$%&^"), unlike "======" or "~~~~~~". */
function symbolNoise(text: string): string | undefined {
  for (const m of text.matchAll(SYMBOL_RUN)) if (new Set(m[0].replace(/\s/g, "")).size >= 4) return m[0];
  return undefined;
}

const RULES: ReadonlyArray<[RegExp, string]> = [
  [/[^\n]{0,12}\uFFFD[^\n]{0,12}/u, "replacement characters: text was decoded wrongly"],
  [
    /[^\s]{0,8}(?:Ã[\u0080-\u00BF]|â€[\u0080-\u00BF\u2122\u0153\u201C\u201D\u02DC]|Â[\u00A0-\u00BF]|ï¿½|[æçåè][\u0080-\u00BF]{2})[^\s]{0,8}/u,
    "mojibake: UTF-8 shown as Latin-1",
  ],
  [/[^\n]{0,8}[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F][^\n]{0,8}/u, "control characters in the text"],
  [/\b[b-df-hj-np-tv-xz]{9,}\b/iu, "a long letter run with no vowels"],
];

/** Garbled text: encoding junk, control characters, symbol noise, unpronounceable letter runs. */
export const garbledTextDetector: Detector = {
  name: "garbled-text",
  subtypes: ["garbled_text"],
  detect(input) {
    const flags: Flag[] = [];
    for (const turn of scoredNpcTurns(input.turns)) {
      for (const [rule, reason] of RULES) {
        const m = rule.exec(turn.text);
        if (m) {
          flags.push(detectorFlag("garbled-text", "garbled_text", turn, m[0], 2, reason));
          break;
        }
      }
      const noise = flags.at(-1)?.round === turn.round ? undefined : symbolNoise(turn.text);
      if (noise) flags.push(detectorFlag("garbled-text", "garbled_text", turn, noise, 2, "a run of unrelated symbols"));
    }
    return flags;
  },
};
