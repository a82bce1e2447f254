import type { Flag } from "../judge/flag.ts";
import { type Detector, detectorFlag } from "./detector.ts";

/** The last character (a whole surrogate pair when it is one). */
function lastChar(text: string): string {
  const code = text.charCodeAt(text.length - 1);
  return code >= 0xdc00 && code <= 0xdfff ? text.slice(-2) : text.slice(-1);
}

/**
 * Truncation: a long reply that stops mid-sentence — its last character is a letter, digit or comma rather than
 * closing punctuation, a closing mark or an emoji. Short replies are left alone (chat style often drops the final
 * period); long ones ending mid-word are what a token limit produces.
 */
export const truncationDetector: Detector = {
  name: "truncation",
  subtypes: ["truncation"],
  detect(input) {
    const zh = input.lang.startsWith("zh");
    const minLength = zh ? 40 : 120;
    const flags: Flag[] = [];
    for (const turn of input.npc) {
      const text = turn.text.trimEnd();
      if (text.length < minLength) continue;
      if (/[\p{L}\p{N},，、]/u.test(lastChar(text))) {
        const tail = text.slice(text.length - 30);
        flags.push(detectorFlag("truncation", "truncation", turn, tail, 1, "the reply stops mid-sentence"));
      }
    }
    return flags;
  },
};
