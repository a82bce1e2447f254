import type { Flag } from "../judge/flag.ts";
import { type Detector, detectorFlag } from "./detector.ts";

/**
 * Mixed language against the scenario language, from src/text's script mix: in an en scenario, any run of two or
 * more letters of another script (a Chinese phrase); in a zh scenario, a foreign run of at least 8 letters and two
 * words (a sentence, not "OK" or a brand). Runs that are just a character's name are ignored. Severity 2 when more
 * than a fifth of the reply's letters are foreign.
 */
export const languageMixDetector: Detector = {
  name: "language-mix",
  subtypes: ["mixed_language"],
  detect(input) {
    const zh = input.lang.startsWith("zh");
    const names = [input.aiName, input.userName].map((n) => n.trim().toLowerCase()).filter(Boolean);
    const flags: Flag[] = [];
    input.npc.forEach((turn, i) => {
      const mix = input.metrics[i]!.languageMix;
      // Mojibake is Latin letters too, but it is garbled text, not a language switch: one flaw, one flag.
      if (mix.foreignLetters === 0 || input.metrics[i]!.garble.mojibake > 0) return;
      const span = mix.spans.find((s) => {
        const text = s.text.trim();
        const core = text
          .toLowerCase()
          .replace(/[^\p{L}\p{N}\s]/gu, " ")
          .trim();
        if (names.some((n) => core === n || n.split(/\s+/).includes(core))) return false;
        if (!zh) return s.letters >= 2;
        return s.letters >= 8 && core.split(/\s+/).filter((w) => w.length >= 2).length >= 2;
      });
      if (!span) return;
      const severity = mix.foreignRatio > 0.2 ? 2 : 1;
      flags.push(
        detectorFlag(
          "language-mix",
          "mixed_language",
          turn,
          span.text.trim(),
          severity,
          `${span.script} text in a ${input.lang} scenario (${Math.round(mix.foreignRatio * 100)}% of letters)`,
        ),
      );
    });
    return flags;
  },
};
