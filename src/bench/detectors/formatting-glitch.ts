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
      const leak = LEAK.exec(turn.text);
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
      const singles = turn.text.replace(/\*\*/g, "").match(/\*/g)?.length ?? 0;
      if (singles % 2 === 1) {
        const at = turn.text.replace(/\*\*/g, "\u0000\u0000").lastIndexOf("*");
        const quote = turn.text.slice(Math.max(0, at - 30), at + 30);
        flags.push(
          detectorFlag("formatting-glitch", "formatting_glitch", turn, quote, 1, "unbalanced * action markers"),
        );
      }
    }
    return flags;
  },
};
