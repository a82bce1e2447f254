import { describe, expect, it } from "vitest";
import { promptSize } from "../../src/bench/budget.ts";
import {
  buildPlayerMessages,
  buildSimulatorMessages,
  type CallGuard,
  DEFAULT_SIMULATOR_SETTINGS,
  PERSONA_IDS,
  planSimulator,
  resolveSuite,
  type Scenario,
  SIMULATOR_PROMPT_VERSION,
  SimulatorQa,
  scheduleEvents,
  simulateUserTurn,
  simulatorPromptHash,
  TRAP_IDS,
  type Turn,
} from "../../src/bench/index.ts";
import { addTypos, messUpFormat } from "../../src/bench/text-noise.ts";
import { createRng } from "../../src/core/index.ts";
import { scriptedModel } from "./scripted-model.ts";

const en = (await resolveSuite("builtin-en")).scenarios;
const zh = (await resolveSuite("builtin-zh")).scenarios;
const maren = en[0] as Scenario;
const freeGuard: CallGuard = { guard: async (_m, _c, _t, call) => ({ result: await call(), costUsd: 0 }) };

describe("built-in suites", () => {
  it.each([
    ["builtin-en", en, /^en_builtin_\d{3}$/],
    ["builtin-zh", zh, /^zh_builtin_\d{3}$/],
  ])(
    "%s has at least 12 valid, original scenarios, each saying what it stresses",
    async (name, scenarios, idPattern) => {
      const suite = await resolveSuite(name);
      expect(suite.issues).toEqual([]);
      expect(scenarios.length).toBeGreaterThanOrEqual(12);
      expect(new Set(scenarios.map((s) => s.id)).size).toBe(scenarios.length);
      for (const s of scenarios) {
        expect(s.id).toMatch(idPattern);
        expect(s.stresses?.length ?? 0).toBeGreaterThan(20);
        expect(s.tags.length).toBeGreaterThan(0);
        expect(s.lang).toBe(name.endsWith("zh") ? "zh" : "en");
        if (s.lang === "zh") expect(s.aiSetting).toMatch(/[\u4e00-\u9fff]/);
      }
    },
  );

  it("covers what the issue asks for: strict world laws, hard SF, a multi-character cast, slow burn, a mystery, a verbal tic", () => {
    const tags = (list: Scenario[]) => new Set(list.flatMap((s) => s.tags));
    for (const [list, wanted] of [
      [en, ["magic-system", "hard-sf", "multi-character", "slow-burn", "mystery", "verbal-tic", "niche"]],
      [zh, ["法术规则", "硬科幻", "多角色", "慢热", "推理", "口头禅", "冷门角色"]],
    ] as const) {
      const have = tags(list as Scenario[]);
      for (const tag of wanted) expect(have.has(tag), tag).toBe(true);
    }
  });
});

describe("simulator prompt", () => {
  it("is versioned and hashed, and hides the NPC card unless asked", () => {
    expect(SIMULATOR_PROMPT_VERSION).toMatch(/^usersim-\d+$/);
    expect(simulatorPromptHash()).toMatch(/^[0-9a-f]{16}$/);
    const hidden = buildSimulatorMessages(maren, [], { persona: "plain", seesCard: false });
    const shown = buildSimulatorMessages(maren, [], { persona: "plain", seesCard: true });
    expect(hidden[0]?.content).toContain(maren.userSetting);
    expect(hidden[0]?.content).not.toContain(maren.aiSetting);
    expect(shown[0]?.content).toContain(maren.aiSetting);
    const zhPrompt =
      buildSimulatorMessages(zh[0] as Scenario, [], { persona: "terse", seesCard: false })[0]?.content ?? "";
    expect(zhPrompt).toContain("用中文写");
    expect(zhPrompt).toContain("话很少");
  });

  it("keeps a card's names and text literally, dollar signs included", () => {
    const base = en[0] as Scenario;
    const card = {
      ...base,
      aiName: "Mr $&",
      userName: "$'Kid",
      aiSetting: "Prices: $& and $' and $1.",
      userSetting: "Owes $$5 and $`.",
    };
    const player = buildPlayerMessages(card, []);
    expect(player[0]?.content).toContain("Prices: $& and $' and $1.");
    expect(player[0]?.content).toContain("You are Mr $&.");
    const sim = buildSimulatorMessages(card, [], { persona: "plain", seesCard: true, rejected: "speaks_as_npc" });
    expect(sim[0]?.content).toContain("Owes $$5 and $`.");
    expect(sim[0]?.content).toContain("Prices: $& and $' and $1.");
    expect(sim[0]?.content).toContain("$'Kid");
    expect(sim.at(-1)?.content).toContain("Mr $&");
  });

  it("flips roles for the simulator and ends with this round's instruction", () => {
    const history: Turn[] = [
      { role: "ai", round: 0, text: "prologue" },
      { role: "user", round: 1, text: "hi" },
      { role: "ai", round: 2, text: "npc says" },
    ];
    const messages = buildSimulatorMessages(maren, history, {
      persona: "plain",
      seesCard: false,
      event: { round: 3, kind: "trap:speak-for-user" },
    });
    expect(messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "user", "system"]);
    expect(messages.at(-1)?.content).toMatch(/^For this message only: .*Maren Holt.*Robin/);
    const windowed = buildSimulatorMessages(maren, history, { persona: "plain", seesCard: false, historyTurns: 1 });
    expect(windowed.map((m) => m.content)).toEqual([windowed[0]?.content, "npc says"]);
  });

  it("never puts the simulator's instructions, persona or traps in front of the player", () => {
    const history: Turn[] = [
      { role: "ai", round: 0, text: maren.aiPrologue },
      { role: "user", round: 1, text: maren.initialUserInput },
    ];
    const player = JSON.stringify(buildPlayerMessages(maren, history));
    const sim = buildSimulatorMessages(maren, history, {
      persona: "verbose",
      seesCard: true,
      event: { round: 3, kind: "trap:contradict-fact" },
    });
    for (const m of sim) {
      if (m.role === "system") expect(player.includes(m.content.slice(0, 60))).toBe(false);
    }
    expect(player).not.toMatch(/simulat|For this message only|verbose user/i);
  });
});

describe("personas and perturbations", () => {
  it("plans reproducibly from the session seed and spreads personas", () => {
    const a = planSimulator(123, 100, maren, PERSONA_IDS, TRAP_IDS);
    expect(planSimulator(123, 100, maren, PERSONA_IDS, TRAP_IDS)).toEqual(a);
    const personas = new Set(
      Array.from({ length: 200 }, (_, i) => planSimulator(i, 100, maren, PERSONA_IDS, TRAP_IDS).persona),
    );
    expect(personas.size).toBe(PERSONA_IDS.length);
  });

  it("puts each trap once on a distinct simulator round, contradictions late, none in short sessions", () => {
    for (let seed = 0; seed < 50; seed++) {
      const events = scheduleEvents(seed, 100, TRAP_IDS, undefined, "en");
      const traps = events.filter((e) => e.kind.startsWith("trap:"));
      expect(traps.map((e) => e.kind).sort()).toEqual(TRAP_IDS.map((t) => `trap:${t}`).sort());
      expect(new Set(traps.map((e) => e.round)).size).toBe(5);
      for (const e of traps) expect(e.round % 2 === 1 && e.round >= 3 && e.round <= 101).toBe(true);
      expect(traps.find((e) => e.kind === "trap:contradict-fact")?.round).toBeGreaterThan(60);
    }
    expect(scheduleEvents(1, 6, TRAP_IDS, undefined, "en")).toEqual([]);
    expect(scheduleEvents(1, 10, TRAP_IDS, undefined, "en").length).toBe(1);
    const switches = scheduleEvents(9, 100, [], "lang-switch", "en");
    expect(switches.length).toBeGreaterThanOrEqual(3);
    expect(switches.every((e) => e.kind === "style:lang-switch")).toBe(true);
    const drift = scheduleEvents(9, 100, [], "topic-drift", "zh");
    expect(drift.length).toBeGreaterThan(2);
    expect(drift[0]?.topic).toMatch(/[\u4e00-\u9fff]/);
  });

  it("adds typos and messy formatting deterministically, in English and Chinese", () => {
    const text =
      "Honestly, I think we should check the lighthouse before the storm arrives tonight. What do you think?";
    const a = addTypos(text, "en", createRng(5), 0.5);
    expect(addTypos(text, "en", createRng(5), 0.5)).toBe(a);
    expect(a).not.toBe(text);
    const zhText = "我觉得我们应该在暴风雨来之前去看看灯塔。你在想什么呢？他已经走了，我们再等等吧。";
    expect(addTypos(zhText, "zh", createRng(3), 0.5)).not.toBe(zhText);
    const messy = messUpFormat(text, "en", createRng(8));
    expect(messy).toBe(messUpFormat(text, "en", createRng(8)));
    expect(messy.length).toBeGreaterThan(0);
  });
});

describe("user turns", () => {
  const history: Turn[] = [
    { role: "ai", round: 0, text: maren.aiPrologue },
    { role: "user", round: 1, text: maren.initialUserInput },
    { role: "ai", round: 2, text: "The gulls are restless tonight." },
  ];
  const input = (plan = planSimulator(1, 100, maren, ["plain"], []), round = 3) => ({
    scenario: maren,
    history,
    round,
    plan,
    sessionSeed: 42,
    runIndex: 1,
    qa: new SimulatorQa(maren),
    guard: freeGuard,
  });

  it("scripts silence without calling the model", async () => {
    const model = scriptedModel();
    const turn = await simulateUserTurn(
      model,
      DEFAULT_SIMULATOR_SETTINGS,
      input({ persona: "plain", events: [{ round: 3, kind: "trap:silence" }] }),
    );
    expect(model.calls).toHaveLength(0);
    expect(["...", "…", "*says nothing*"]).toContain(turn.text);
    expect(turn).toMatchObject({ attempts: 0, model: "script", perturbation: "trap:silence" });
  });

  it("gives a terse persona scripted replies on about half its turns, the same ones on every replay", async () => {
    const model = scriptedModel();
    const texts: string[] = [];
    for (let round = 3; round < 83; round += 2) {
      texts.push(
        (await simulateUserTurn(model, DEFAULT_SIMULATOR_SETTINGS, input({ persona: "terse", events: [] }, round)))
          .text,
      );
    }
    const scripted = texts.filter((t) => !t.startsWith("I says"));
    expect(scripted.length).toBeGreaterThan(10);
    expect(scripted.length).toBeLessThan(30);
    const again: string[] = [];
    for (let round = 3; round < 83; round += 2) {
      again.push(
        (
          await simulateUserTurn(
            scriptedModel(),
            DEFAULT_SIMULATOR_SETTINGS,
            input({ persona: "terse", events: [] }, round),
          )
        ).text,
      );
    }
    expect(again).toEqual(texts);
  });

  it("regenerates a user turn that breaks role, within the bound, and records each event", async () => {
    const replies = [
      "Maren Holt: Welcome, Robin.",
      "As an AI language model I cannot continue.",
      "I'll help with the lamp, then.",
    ];
    const model = scriptedModel("test:user", { reply: (_r, _o, i) => replies[i] ?? "x" });
    const turn = await simulateUserTurn(model, DEFAULT_SIMULATOR_SETTINGS, input());
    expect(turn.text).toBe("I'll help with the lamp, then.");
    expect(turn.attempts).toBe(3);
    expect(turn.qa.map((e) => [e.attempt, e.problem, e.action])).toEqual([
      [0, "speaks_as_npc", "regenerated"],
      [1, "leaks_instructions", "regenerated"],
    ]);
    // The retry tells the simulator what was wrong and uses a new seed.
    expect(model.calls[1]?.request.messages.at(-1)?.content).toMatch(/rejected \(it spoke as Maren Holt\)/);
    expect(model.calls[0]?.options.seed).not.toBe(model.calls[1]?.options.seed);
  });

  it("reserves budget for the whole prompt, the same with the caller's running history size as without", async () => {
    const sizes: Array<{ chars: number; cjkChars: number }> = [];
    const recording: CallGuard = {
      guard: async (_m, prompt, _t, call) => {
        sizes.push(prompt);
        return { result: await call(), costUsd: 0 };
      },
    };
    const replies = ["Maren Holt: Welcome, Robin.", "I'll help with the lamp, then."];
    for (const historySize of [undefined, promptSize(history.map((t) => t.text))]) {
      const model = scriptedModel("test:user", { reply: (_r, _o, i) => replies[i] ?? "x" });
      await simulateUserTurn(model, DEFAULT_SIMULATOR_SETTINGS, {
        ...input(),
        guard: recording,
        ...(historySize ? { historySize } : {}),
      });
      // The measured prompt is exactly what was sent, the correction message of the retry included.
      expect(sizes.slice(-2)).toEqual(model.calls.map((c) => promptSize(c.request.messages.map((m) => m.content))));
    }
    expect(sizes).toHaveLength(4);
  });

  it("uses the last draft after the bound, and says nothing rather than inventing words when all were empty", async () => {
    const stuck = scriptedModel("test:user", { reply: () => "The gulls are restless tonight." });
    const kept = await simulateUserTurn(stuck, { ...DEFAULT_SIMULATOR_SETTINGS, maxRegenerations: 1 }, input());
    expect(kept.attempts).toBe(2);
    expect(kept.qa.map((e) => e.action)).toEqual(["regenerated", "accepted"]);
    const empty = scriptedModel("test:user", { reply: () => "   " });
    const silent = await simulateUserTurn(empty, DEFAULT_SIMULATOR_SETTINGS, input());
    expect(silent.attempts).toBe(3);
    expect(silent.qa.at(-1)).toMatchObject({ problem: "empty", action: "fallback" });
    expect(["...", "…", "*says nothing*"]).toContain(silent.text);
  });

  it("removes its own name label rather than regenerating", async () => {
    const model = scriptedModel("test:user", { reply: () => "Robin: Is the lamp lit yet?" });
    const turn = await simulateUserTurn(model, DEFAULT_SIMULATOR_SETTINGS, input());
    expect(turn.text).toBe("Is the lamp lit yet?");
    expect(turn.qa).toEqual([
      { attempt: 0, problem: "strips_own_name", detail: 'removed a leading "Robin:" label', action: "repaired" },
    ]);
  });
});

describe("simulator QA", () => {
  const qa = new SimulatorQa(maren);
  const history: Turn[] = [
    { role: "ai", round: 0, text: "Boat's gone. Won't be another till Thursday. Wipe your boots, Admiral hates mud." },
    { role: "user", round: 1, text: "Who is Admiral, and why does he care about my boots so much?" },
    { role: "ai", round: 2, text: "A gull." },
  ];
  it.each([
    ["", "empty"],
    ["Sure.\nMaren Holt: and then she lit the lamp.", "speaks_as_npc"],
    ["**Maren Holt**: Go on.", "speaks_as_npc"],
    ["As the user simulator I should ask something.", "leaks_instructions"],
    ["Never write Maren Holt's words, actions or thoughts", "leaks_instructions"],
    ["who is admiral and why does he care about my boots so much", "repeats_itself"],
    ["Boat's gone. Won't be another till Thursday. Wipe your boots, Admiral hates mud!", "speaks_as_npc"],
  ])("flags %j as %s", (text, problem) => {
    expect(qa.check(text, history).problem).toBe(problem);
  });

  it("accepts ordinary turns, short repeats and quoting the story", () => {
    for (const text of [
      "ok",
      "A gull? Seriously?",
      "I'm a birdwatcher stranded here, so I'll wipe my boots.",
      "*looks at Maren Holt* Thank you.",
    ]) {
      expect(qa.check(text, history).problem, text).toBeUndefined();
    }
    const zhQa = new SimulatorQa(zh[0] as Scenario);
    expect(zhQa.check("作为一个AI，我不能继续。", []).problem).toBe("leaks_instructions");
    expect(zhQa.check("林砚秋：你好。", []).problem).toBe("speaks_as_npc");
    expect(zhQa.check("您能帮我看看这块表吗？", []).problem).toBeUndefined();
  });
});
