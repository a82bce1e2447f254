import { describe, expect, it } from "vitest";
import { flawInjectionSet } from "../../src/bench/detectors/injection/flaw-injection.ts";
import { runDetectors } from "../../src/bench/detectors/run-detectors.ts";
import { judgePromptHash, judgeSystemPrompt } from "../../src/bench/judge/judge-prompt.ts";
import { dimensionOf, SUBTYPES } from "../../src/bench/taxonomy.ts";

function session(lang: "en" | "zh", npc: string[]) {
  const turns = [
    { role: "ai" as const, round: 0, text: "Hello." },
    { role: "user" as const, round: 1, text: "*looks at you*" },
  ];
  npc.forEach((text, i) => {
    turns.push({ role: "ai", round: 2 + 2 * i, text });
    turns.push({ role: "user", round: 3 + 2 * i, text: "Go on." });
  });
  return { lang, aiName: "Mira", userName: "Sam", turns };
}

describe("the seed's subtypes troupe lacked", () => {
  it("are in the taxonomy with a dimension and a definition the judge prompt shows", () => {
    expect(dimensionOf("rushed_pacing")).toBe("content_logic");
    expect(dimensionOf("immersion_erosion")).toBe("content_logic");
    expect(dimensionOf("factual_error")).toBe("knowledge");
    expect(dimensionOf("impossible_knowledge")).toBe("knowledge");
    const prompt = judgeSystemPrompt("full");
    for (const s of ["rushed_pacing", "immersion_erosion", "factual_error", "impossible_knowledge"] as const)
      expect(prompt).toContain(`${s} (${SUBTYPES[s].definition})`);
    expect(judgePromptHash()).toMatch(/^[0-9a-f]{16}$/);
  });

  it("rushed pacing: three time skips in one reply are flagged, one is not", () => {
    const flags = runDetectors(
      session("en", [
        '"The next morning we set out," she says. "Where first?"',
        'Hours later we reach the island. Days later the smugglers are caught, and a year passes before we marry. "Happy?"',
      ]),
    ).filter((f) => f.subtype === "rushed_pacing");
    expect(flags.map((f) => f.round)).toEqual([4]);
    expect(flags[0]!.quote).toBe("Hours later");
    const zh = runDetectors(session("zh", ["第二天我们出发了。三天后到了岛上，转眼间一年过去了。“你开心吗？”"])).filter(
      (f) => f.subtype === "rushed_pacing",
    );
    expect(zh.map((f) => f.round)).toEqual([2]);
  });

  it("immersion erosion: out-of-fiction asides in 3 of 6 replies flag once, a lone aside does not", () => {
    const plain = '"The tide is turning," she says. "Shall we go?"';
    const npc = [plain, "(OOC: fun scene!) " + plain, plain, plain, plain, plain, plain];
    expect(runDetectors(session("en", npc)).filter((f) => f.subtype === "immersion_erosion")).toEqual([]);
    const eroding = [
      plain,
      "lol, anyway. " + plain,
      plain,
      "This roleplay is getting good. " + plain,
      "Let me know if you'd like a different plot direction. " + plain,
      "haha " + plain,
      plain,
    ];
    const flags = runDetectors(session("en", eroding)).filter((f) => f.subtype === "immersion_erosion");
    expect(flags.map((f) => f.round)).toEqual([10]);
    expect(flags[0]!.dimension).toBe("content_logic");
  });

  it("raise no flag on the clean synthetic sessions", () => {
    const clean = flawInjectionSet({ seed: "seed-subtypes", perSubtype: 0, clean: 6 });
    for (const s of clean)
      expect(runDetectors(s).filter((f) => f.subtype === "rushed_pacing" || f.subtype === "immersion_erosion")).toEqual(
        [],
      );
  });
});
