import type { Flag } from "../judge/flag.ts";
import { type Detector, detectorFlag } from "./detector.ts";

// Narration that skips time. One skip is ordinary storytelling ("the next morning…"); several in one reply compress
// hours or days of story into a turn the user never got to play, which is the rushed pacing the seed's blog names.
const SKIP_EN =
  /\b(?:(?:(?:a few|several|many|two|three|some) )?(?:hours?|days?|weeks?|months?|years?|an hour|a day|a week|a month|a year) (?:later|pass(?:es|ed)?|go(?:es)? by|went by|fl(?:y|ew) by)|the (?:next|following) (?:day|morning|night|week|month|year)|before (?:we|you|I|they) know it|in no time at all|by the end of the (?:week|month|year)|time flies)\b/gi;
const SKIP_ZH =
  /[一两三四五六七八九十几数好]+个?(?:小时|天|周|星期|月|年)(?:之|以)?后|(?:小时|天|周|星期|月|年)过去了|第二天|次日|转眼(?:间)?|不知不觉间?|一晃(?:眼)?|时光飞逝/gu;

/** How many time skips one reply may hold before it counts as rushing (advisory: a rule cannot see plot). */
export const RUSHED_PACING_MIN_SKIPS = 3;

/**
 * Rushed pacing: one NPC reply that skips time three or more times, telling what would have been several scenes.
 * Advisory, like stagnation — a rule sees the time words, not whether the story earned them.
 */
export const rushedPacingDetector: Detector = {
  name: "rushed-pacing",
  subtypes: ["rushed_pacing"],
  detect(input) {
    const zh = input.lang.startsWith("zh");
    const flags: Flag[] = [];
    for (const turn of input.npc) {
      const skips = [...turn.text.matchAll(zh ? SKIP_ZH : SKIP_EN)];
      if (skips.length < RUSHED_PACING_MIN_SKIPS) continue;
      flags.push(
        detectorFlag(
          "rushed-pacing",
          "rushed_pacing",
          turn,
          skips[0]![0],
          1,
          `skips time ${skips.length} times in one reply; the user has no turn in what happened`,
        ),
      );
    }
    return flags;
  },
};
