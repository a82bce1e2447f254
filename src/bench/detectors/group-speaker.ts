import { isCastLabel } from "../group-scene.ts";
import type { Flag } from "../judge/flag.ts";
import { type Detector, detectorFlag } from "./detector.ts";

// A speaker label: one or two capitalised words (or 1–4 Han characters) and a colon, at the start of the reply, of
// a line, or after a sentence or a stage direction. Prose with colons ("She says: …") starts lower-case.
const LABEL_EN = /(?:^|\n|[.!?…"*)]\s+)([A-Z][\p{L}'-]*(?: [A-Z][\p{L}'-]*)?):\s/gu;
const LABEL_ZH = /(?:^|\n|[。！？…”）*]\s*)([\p{Script=Han}]{1,4})[：:]/gu;

/**
 * Group scenes only (a scenario with a cast): a line labelled with a speaker who is not in the scene's cast — an
 * invented or confused character voicing a line — is `character_confusion`. Labels naming the user are left to the
 * speaks-for-user detector. The judge sees what rules cannot: knowledge crossing between characters, voices blurring.
 */
export const groupSpeakerDetector: Detector = {
  name: "group-speaker",
  subtypes: ["character_confusion"],
  detect(input) {
    const cast = input.cast;
    if (!cast || cast.length < 2) return [];
    const zh = input.lang.startsWith("zh");
    const flags: Flag[] = [];
    for (const turn of input.npc) {
      for (const m of turn.text.matchAll(zh ? LABEL_ZH : LABEL_EN)) {
        const label = m[1]!;
        if (isCastLabel(label, cast) || isCastLabel(label, [input.userName])) continue;
        flags.push(
          detectorFlag(
            "group-speaker",
            "character_confusion",
            turn,
            `${label}${zh ? "：" : ":"}`,
            2,
            `a line is labelled ${label}, who is not in the scene's cast (${cast.join(", ")})`,
          ),
        );
        break;
      }
    }
    return flags;
  },
};
