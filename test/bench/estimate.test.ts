import { describe, expect, it } from "vitest";
import { contextFit, estimateRun, resolveSuite, roughTokens, type Scenario } from "../../src/bench/index.ts";

const scenarios = (await resolveSuite("builtin-en")).scenarios.slice(0, 2);
const base = {
  scenarios,
  runs: 3,
  playerMaxTokens: 512,
  userMaxTokens: 256,
  seesCard: false,
  price: { player: { input: 1, output: 2 }, "user-sim": { input: 0.5, output: 1 } },
};

describe("run estimate", () => {
  it("counts calls per role and grows prompt tokens quadratically with the number of turns", () => {
    const e50 = estimateRun({ ...base, turns: 50 });
    const e100 = estimateRun({ ...base, turns: 100 });
    expect(e100.sessions).toBe(6);
    expect(e100.generatedTurns).toBe(600);
    expect(e100.player.calls).toBe(300);
    expect(e100["user-sim"].calls).toBe(315); // 300 plus 5% for QA regenerations
    const ratio = e100.player.promptTokens / e50.player.promptTokens;
    expect(ratio).toBeGreaterThan(3);
    expect(ratio).toBeLessThan(4.2);
    expect(e100.player.completionTokens).toBe(300 * 150);
    expect(e100.totalCostUsd).toBeCloseTo(
      (e100.player.promptTokens * 1 + e100.player.completionTokens * 2) / 1e6 +
        (e100["user-sim"].promptTokens * 0.5 + e100["user-sim"].completionTokens * 1) / 1e6,
      6,
    );
  });

  it("estimates only what is left on resume, from measured reply lengths, and says when it cannot price", () => {
    const full = estimateRun({ ...base, turns: 20 });
    const rest = estimateRun({
      ...base,
      turns: 20,
      committed: (_id, k) => (k === 1 ? 22 : 12),
      replyTokens: { player: 300, "user-sim": 20 },
    });
    expect(rest.sessions).toBe(4);
    expect(rest.generatedTurns).toBe(4 * 10);
    expect(rest.assumptions).toEqual({ playerReplyTokens: 300, userReplyTokens: 20, measured: true });
    expect(rest.player.promptTokens).toBeLessThan(full.player.promptTokens);
    const unpriced = estimateRun({
      ...base,
      turns: 4,
      price: { player: undefined, "user-sim": { input: 1, output: 1 } },
    });
    expect(unpriced.player.costUsd).toBeUndefined();
    expect(unpriced.totalCostUsd).toBeUndefined();
    expect(unpriced["user-sim"].costUsd).toBeGreaterThan(0);
  });

  it("counts Chinese text as about one token per character and a simulator window as a cap", () => {
    expect(roughTokens("灯塔看守人", "zh")).toBe(4);
    expect(roughTokens("lighthouse keeper!!", "en")).toBe(5);
    const zh: Scenario = { ...(scenarios[0] as Scenario), lang: "zh" };
    const windowed = estimateRun({ ...base, scenarios: [zh], runs: 1, turns: 100, historyTurns: 10 });
    const whole = estimateRun({ ...base, scenarios: [zh], runs: 1, turns: 100 });
    expect(windowed["user-sim"].promptTokens).toBeLessThan(whole["user-sim"].promptTokens / 3);
    expect(windowed.player.promptTokens).toBe(whole.player.promptTokens);
  });

  it("knows each role's largest call (the last turn), which a context window shrinks, and whether it fits", () => {
    const full = estimateRun({ ...base, turns: 100 });
    const windowed = estimateRun({ ...base, turns: 100, contextStrategy: "window:10" });
    const p = full.largestCall.player;
    expect(p.maxTokens).toBe(512);
    // The last player call (round 100) carries the card, the opening and 98 replies of ~150 and ~40 tokens.
    expect(p.promptTokens).toBeGreaterThan(49 * 150 + 49 * 40);
    expect(windowed.largestCall.player.promptTokens).toBeLessThan(p.promptTokens / 5);
    expect(windowed.largestCall.player.promptTokens).toBeGreaterThan(5 * 150 + 5 * 40);
    // The window sends fewer tokens in total, and the simulator (not windowed) is unchanged.
    expect(windowed.player.promptTokens).toBeLessThan(full.player.promptTokens / 3);
    expect(windowed["user-sim"]).toEqual(full["user-sim"]);
    expect(contextFit(full, { player: 8192, "user-sim": undefined })).toEqual([
      expect.objectContaining({ role: "player", verdict: "overflows", window: 8192 }),
      expect.objectContaining({ role: "user-sim", verdict: "unknown", window: undefined }),
    ]);
    expect(contextFit(windowed, { player: 8192, "user-sim": 32_768 }).map((f) => f.verdict)).toEqual(["fits", "fits"]);
    const need = p.promptTokens + p.maxTokens;
    expect(contextFit(full, { player: need + 1, "user-sim": 1e6 })[0]?.verdict).toBe("tight");
  });
});
