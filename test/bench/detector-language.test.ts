import { describe, expect, it } from "vitest";
import { detectorFlagsFor } from "../../src/bench/analysis/scored-source.ts";
import { dialogueLanguage } from "../../src/bench/detectors/dialogue-language.ts";
import { cleanSession } from "../../src/bench/detectors/injection/clean-transcript.ts";
import { runDetectors } from "../../src/bench/detectors/run-detectors.ts";
import type { DialogueSource } from "../../src/bench/judge/judge-source.ts";
import { createRng } from "../../src/core/index.ts";

const ENGLISH = "Honestly I have no idea what to do now, so let us talk about it later tonight.";

/** Clean zh sessions, half of them with an English sentence in one NPC turn: the small labelled set. */
function labelledZh(count: number) {
  return Array.from({ length: count }, (_, i) => {
    const s = cleanSession(createRng(`zh-lang-${i}`), "zh", 20);
    const flawed = i % 2 === 1 ? 10 : undefined;
    const turns = s.turns.map((t) => (t.round === flawed ? { ...t, text: `${t.text}${ENGLISH}` } : t));
    return { ...s, turns, flawed };
  });
}

describe("detector language without seeds", () => {
  it("reads the language from the dialogue, so clean Chinese turns are not mixed language", () => {
    const set = labelledZh(8);
    let truePositives = 0;
    let flagged = 0;
    for (const s of set) {
      // No scenario language: what an official dialogues file judged without its seeds gives the detectors.
      const flags = runDetectors({ ...s, lang: undefined }).filter((f) => f.subtype === "mixed_language");
      flagged += flags.length;
      truePositives += flags.filter((f) => f.round === s.flawed).length;
    }
    expect(flagged).toBe(4);
    expect(truePositives).toBe(4);
  });

  it("goes by the scenario side of the dialogue, not by the NPC's replies", () => {
    const s = cleanSession(createRng("zh-side"), "zh", 10);
    expect(dialogueLanguage(s.turns)).toBe("zh");
    expect(dialogueLanguage(cleanSession(createRng("en-side"), "en", 10).turns)).toBe("en");
    // An NPC that answers everything in English is still in a Chinese scenario, and is flagged for it.
    const english = s.turns.map((t) => (t.role === "ai" && t.round >= 2 ? { ...t, text: ENGLISH } : t));
    expect(dialogueLanguage(english)).toBe("zh");
    const flags = runDetectors({ ...s, turns: english, lang: undefined }).filter((f) => f.subtype === "mixed_language");
    expect(flags).toHaveLength(5);
    // Nothing but empty text: English, as before.
    expect(dialogueLanguage([{ role: "ai", round: 0, text: "…" }])).toBe("en");
  });

  it("applies to dialogues files read without seeds (the report's and `bench judge`'s detector flags)", () => {
    const [clean] = labelledZh(1);
    const source: DialogueSource = {
      source: "/tmp/dialogues.jsonl",
      kind: "dialogues",
      scenarios: new Map(),
      issues: [],
      dialogues: [
        { seed_id: "s1", model_name: "m", run_id: "run_1", num_turns: clean!.turns.length, dialogue: clean!.turns },
      ],
    };
    expect(detectorFlagsFor(source, source.dialogues[0]!)).toEqual([]);
  });
});
