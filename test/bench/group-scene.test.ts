import { describe, expect, it } from "vitest";
import { runDetectors } from "../../src/bench/detectors/run-detectors.ts";
import { groupCastOf, isCastLabel } from "../../src/bench/group-scene.ts";
import { resolveSuite, toJudgeableSessions } from "../../src/bench/index.ts";
import { planChunks } from "../../src/bench/judge/chunk-plan.ts";
import { renderJudgeMessages } from "../../src/bench/judge/judge-prompt.ts";

describe("group scenes", () => {
  it("are in both built-in suites with a cast of 2 to 4 characters", async () => {
    for (const name of ["builtin-en", "builtin-zh"]) {
      const suite = await resolveSuite(name);
      expect(suite.issues).toEqual([]);
      const groups = suite.scenarios.filter((s) => s.tags.includes("group") || s.tags.includes("群戏"));
      expect(groups.map((s) => groupCastOf(s)?.length)).toEqual([4, 2]);
      for (const s of groups)
        for (const member of groupCastOf(s)!) expect(s.aiSetting + s.aiPrologue).toContain(member.name.split(" ")[0]);
      // One-character scenarios have no cast.
      expect(suite.scenarios.filter((s) => groupCastOf(s)).length).toBe(2);
    }
  });

  it("refuses a cast outside 2–4 members", () => {
    const member = { name: "A", description: "d" };
    expect(groupCastOf({ world: { cast: [member] } })).toBeUndefined();
    expect(groupCastOf({ world: { cast: Array(5).fill(member) } })).toBeUndefined();
    expect(groupCastOf({})).toBeUndefined();
    expect(isCastLabel("Dev", ["Dev Marchetti", "Ines Okafor"])).toBe(true);
    expect(isCastLabel("Ines Okafor", ["Dev Marchetti", "Ines Okafor"])).toBe(true);
    expect(isCastLabel("Vex", ["Dev Marchetti"])).toBe(false);
  });

  it("flags a line voiced by someone outside the cast, and only in group scenes", () => {
    const cast = ["Ines Okafor", "Dev Marchetti", "Hollis Grey", "Saoirse Quill"];
    const turns = [
      { role: "ai" as const, round: 0, text: "Ines: We burn in ten." },
      { role: "user" as const, round: 1, text: "Fine." },
      { role: "ai" as const, round: 2, text: "Ines: Strap in. Dev: Strapping! *grins* Hollis Grey: She's warm now." },
      { role: "user" as const, round: 3, text: "What was that noise?" },
      {
        role: "ai" as const,
        round: 4,
        text: "Dev: Nothing. Captain Vex: Nothing at all, courier. Saoirse: Are you hurt?",
      },
      { role: "user" as const, round: 5, text: "No." },
      { role: "ai" as const, round: 6, text: '*Saoirse writes in her journal.* "Note: she said no." Juno: I lied.' },
    ];
    const group = runDetectors({ lang: "en", aiName: "The Kestrel crew", userName: "Juno", cast, turns });
    const confusion = group.filter((f) => f.subtype === "character_confusion");
    // A quoted "Note:" is prose, and the user's label is the speaks-for-user detector's.
    expect(confusion.map((f) => [f.round, f.quote])).toEqual([[4, "Captain Vex:"]]);
    const single = runDetectors({ lang: "en", aiName: "The Kestrel crew", userName: "Juno", turns });
    expect(single.filter((f) => f.subtype === "character_confusion")).toEqual([]);
    const zh = runDetectors({
      lang: "zh",
      aiName: "许家姐妹",
      userName: "程远",
      cast: ["许静", "许朵"],
      turns: [
        { role: "ai", round: 0, text: "许静：先看东边。" },
        { role: "user", round: 1, text: "好。" },
        { role: "ai", round: 2, text: "许静：那片最大。许朵：不卖。王伯：我来作证。" },
      ],
    });
    expect(zh.filter((f) => f.subtype === "character_confusion").map((f) => f.quote)).toEqual(["王伯："]);
  });

  it("shows the judge the cast of a group scene, inside the data block", async () => {
    const suite = await resolveSuite("builtin-en");
    const group = suite.scenarios.find((s) => s.id === "en_builtin_016")!;
    const solo = suite.scenarios.find((s) => s.id === "en_builtin_001")!;
    const turns = [
      { role: "ai" as const, round: 0, text: group.aiPrologue },
      { role: "user" as const, round: 1, text: group.initialUserInput },
      { role: "ai" as const, round: 2, text: "Mara: Front room first." },
      { role: "user" as const, round: 3, text: "Fine." },
    ];
    const dialogue = (s: typeof group) => ({
      seed_id: s.id,
      model_name: "m",
      run_id: "run_1",
      num_turns: turns.length,
      dialogue: turns,
    });
    const [g, o] = toJudgeableSessions({
      source: "x",
      kind: "dialogues",
      dialogues: [dialogue(group), dialogue(solo)],
      scenarios: new Map([
        [group.id, group],
        [solo.id, solo],
      ]),
      issues: [],
    });
    expect(g!.card!.cast!.map((m) => m.name)).toEqual(["Mara Albescu", "Luca Albescu"]);
    expect(o!.card!.cast).toBeUndefined();
    const [, user] = renderJudgeMessages(g!.card, planChunks(turns)[0]!, []);
    const data = user!.content;
    const castAt = data.indexOf("CAST (group scene");
    expect(castAt).toBeGreaterThan(data.indexOf("<<DATA"));
    expect(castAt).toBeLessThan(data.indexOf("<<END DATA"));
    expect(data).toContain('- "Luca Albescu": "Dreamy, sentimental clock repairer');
    expect(renderJudgeMessages(o!.card, planChunks(turns)[0]!, [])[1]!.content).not.toContain("CAST");
  });
});
