import type { Flag } from "../judge/flag.ts";
import { type Detector, detectorFlag } from "./detector.ts";

const MARKUP = /\*[^*\n]*\*|\uff08[^\uff09\n]*\uff09|\([^()\n]*\)|\[[^\]\n]*\]/g;
const FAREWELL_EN =
  /(?:^|[.!]\s+|\*\s*)(?:good\s?bye|farewell|good night|bye(?: now)?|see you(?: later| tomorrow| around)?)[.!~]*\s*$/i;
const FAREWELL_ZH = /(?:再见|晚安|拜拜|回头见|下次见)[。！~～]*\s*$/u;

/** Words (en) or Han/kana characters (zh) of speech, once stage directions and punctuation are removed. */
function spokenSize(text: string, zh: boolean): number {
  const speech = text.replace(MARKUP, " ");
  if (zh) return (speech.match(/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/gu) ?? []).length;
  return (speech.match(/[\p{L}\p{N}]+(?:'[\p{L}]+)?/gu) ?? []).length;
}

/**
 * Silence with no hook: an empty or near-empty reply (at most 2 spoken words, or 3 Han characters, once stage
 * directions are removed, and not much action either), or a reply that ends on a goodbye without a question,
 * which hands the user nothing to answer.
 */
export const silenceDetector: Detector = {
  name: "silence",
  subtypes: ["silence_no_hook"],
  detect(input) {
    const zh = input.lang.startsWith("zh");
    const flags: Flag[] = [];
    for (const turn of input.npc) {
      const text = turn.text.trim();
      // Only short replies can be empty or a word or two; long ones skip straight to the goodbye check.
      const short = text.length <= (zh ? 12 : 40);
      if (short && text.replace(/[\s\p{P}\p{S}]/gu, "").length === 0) {
        flags.push(
          detectorFlag("silence", "silence_no_hook", turn, text, 2, "empty reply: nothing for the user to answer"),
        );
      } else if (short && spokenSize(text, zh) <= (zh ? 3 : 2)) {
        flags.push(
          detectorFlag(
            "silence",
            "silence_no_hook",
            turn,
            text,
            1,
            "a reply of a word or two that gives the user no hook",
          ),
        );
      } else {
        const tail = text.slice(Math.max(0, text.length - 40));
        if (!text.includes("?") && !text.includes("？") && (zh ? FAREWELL_ZH : FAREWELL_EN).test(tail))
          flags.push(
            detectorFlag(
              "silence",
              "silence_no_hook",
              turn,
              tail,
              1,
              "ends the exchange with a goodbye and no question or opening",
            ),
          );
      }
    }
    return flags;
  },
};
