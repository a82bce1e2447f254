import type { Flag } from "../judge/flag.ts";
import { type Detector, detectorFlag } from "./detector.ts";

// Remarks made from outside the fiction: talk about the role-play, the story as a text, the reader or the user,
// chat-room laughter and offers to change the plot. One is a slip; several within a few replies is the fiction
// wearing thin, the accumulating immersion break the seed names for long dialogues.
const META_EN =
  /\((?:OOC|out of character)[:)]|\b(?:OOC|out of character|role-?play(?:ing)?|our (?:little )?story|this story we(?:'re| are) writing|the narrative|as (?:the|your) narrator|the reader|the user|(?:let me know|tell me) if you(?:'d| would) like|(?:want|shall|should) (?:me to|I) (?:continue|keep going)|plot direction|lol|lmao|haha+)\b/i;
const META_ZH = /角色扮演|我们的故事|这个故事里|剧情走向|作为旁白|读者|用户|要我继续吗|要不要继续|哈哈+|（OOC|\(OOC/u;

/** A reply counts toward erosion when it carries an out-of-fiction remark; this many within the window flag. */
export const IMMERSION_EROSION_WINDOW = 6;
export const IMMERSION_EROSION_MIN = 3;

/**
 * Immersion erosion: out-of-fiction remarks that accumulate — at least 3 of 6 consecutive NPC replies carry one.
 * The flag sits on the reply that makes the count (one flag per window, so a long erosion gives a few flags, not
 * one per reply); a lone aside is left to the judge.
 */
export const immersionErosionDetector: Detector = {
  name: "immersion-erosion",
  subtypes: ["immersion_erosion"],
  detect(input) {
    const meta = input.lang.startsWith("zh") ? META_ZH : META_EN;
    const flags: Flag[] = [];
    const hits: number[] = [];
    let quietUntil = -1;
    input.npc.forEach((turn, i) => {
      const m = meta.exec(turn.text);
      if (!m) return;
      hits.push(i);
      while (hits.length && hits[0]! <= i - IMMERSION_EROSION_WINDOW) hits.shift();
      if (hits.length < IMMERSION_EROSION_MIN || i <= quietUntil) return;
      quietUntil = i + IMMERSION_EROSION_WINDOW - 1;
      flags.push(
        detectorFlag(
          "immersion-erosion",
          "immersion_erosion",
          turn,
          m[0],
          2,
          `${hits.length} of the last ${IMMERSION_EROSION_WINDOW} replies step outside the fiction`,
        ),
      );
    });
    return flags;
  },
};
