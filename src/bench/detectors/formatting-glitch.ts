import type { Flag } from "../judge/flag.ts";
import { type Detector, detectorFlag } from "./detector.ts";

// Leaked chat-template tokens and unfilled card placeholders: they only appear when a template or prompt broke.
const LEAK =
  /<\|[a-z_]{2,20}\|>|<\/s>|<s>|\[\/?INST\]|<\/?(?:think|assistant|user|system|im_start|im_end)>|<(?:start|end)_of_turn>|\{\{\s*(?:user|char|bot)\s*\}\}|<(?:USER|BOT|CHAR)>|^#{2,3}\s*(?:Instruction|Response|Assistant|User)\s*:?/imu;

/**
 * Formatting glitches: leaked template tokens or placeholders (severity 2), and an odd number of `*` action
 * markers, which leaves narration and speech tangled (severity 1). Bold `**` pairs are not counted.
 */
export const formattingGlitchDetector: Detector = {
  name: "formatting-glitch",
  subtypes: ["formatting_glitch"],
  detect(input) {
    const flags: Flag[] = [];
    for (const turn of input.npc) {
      const t = turn.text;
      // Every leak pattern has one of these characters; most replies have none and skip the regex.
      const leak = /[<[{#]/.test(t) ? LEAK.exec(t) : null;
      if (leak) {
        flags.push(
          detectorFlag(
            "formatting-glitch",
            "formatting_glitch",
            turn,
            leak[0],
            2,
            "leaked template token or placeholder",
          ),
        );
        continue;
      }
      let singles = 0;
      let lastSingle = -1;
      for (let i = t.indexOf("*"); i >= 0; i = t.indexOf("*", i + 1)) {
        if (t[i + 1] === "*") i++;
        else {
          singles++;
          lastSingle = i;
        }
      }
      if (singles % 2 === 1) {
        const quote = t.slice(Math.max(0, lastSingle - 30), lastSingle + 30);
        flags.push(
          detectorFlag("formatting-glitch", "formatting_glitch", turn, quote, 1, "unbalanced * action markers"),
        );
      }
    }
    return flags;
  },
};
