import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildBenchReport,
  chatModelPlayer,
  createRun,
  DEFAULT_JUDGE_SETTINGS,
  DEFAULT_PANEL,
  DEFAULT_SCORING,
  DEFAULT_SIMULATOR_SETTINGS,
  executeRun,
  type JudgeCall,
  loadDialogueSource,
  loadScoredSource,
  resolveSuite,
  runJudgement,
  toJudgeableSessions,
} from "../../src/bench/index.ts";
import type { ChatModel } from "../../src/llm/index.ts";
import { openTestSqlite, type TestStore } from "../support/stores.ts";
import { scriptedModel } from "./scripted-model.ts";

let t: TestStore;
beforeAll(async () => {
  t = await openTestSqlite();
});
afterAll(async () => {
  await t.cleanup();
});

/** Flags the first scored NPC turn of every chunk, quoting its first three words. */
const call: JudgeCall = async (_m, messages) => {
  const user = messages[1]!.content;
  const first = Number(/scored NPC rounds: (\d+)/.exec(user)?.[1]);
  const text = JSON.parse(new RegExp(`^R${first} NPC (".*")$`, "m").exec(user)![1]!) as string;
  return {
    reply: {
      flags: [
        { round: first, quote: text.split(" ").slice(0, 3).join(" "), reason: "r", subtype: "filler", severity: 2 },
      ],
      ledger: [],
      rejected: [],
    },
    promptTokens: 10,
    completionTokens: 5,
    costUsd: 0.01,
    latencyMs: 1,
  };
};

describe("judging a stored bench run", () => {
  it("judges a run by id, then reports it with its player and simulator metadata and costs", async () => {
    const suite = await resolveSuite("builtin-en");
    const player = chatModelPlayer(scriptedModel("test:player", { costPerCall: 0.002 }), { maxTokens: 100 });
    const userModel = scriptedModel("test:user");
    const run = await createRun(t.store, {
      suite,
      scenarios: suite.scenarios.slice(0, 2),
      player,
      userModel,
      userSpec: userModel.id,
      simulator: DEFAULT_SIMULATOR_SETTINGS,
      personas: ["plain"],
      traps: [],
      runs: 2,
      turns: 40,
      seed: 3,
      concurrency: 2,
    });
    expect((await executeRun(run.id, { store: t.store, player, userModel })).status).toBe("complete");
    const source = await loadDialogueSource(t.store, run.id.slice(0, 12));
    expect(source).toMatchObject({ source: run.id, kind: "run" });
    expect(source.dialogues).toHaveLength(4);
    const judge = { id: "test:judge", provider: "test" } as ChatModel;
    const judged = await runJudgement({
      store: t.store,
      source: source.source,
      sourceKind: source.kind,
      sessions: toJudgeableSessions(source),
      judges: [judge],
      settings: DEFAULT_JUDGE_SETTINGS,
      panel: DEFAULT_PANEL,
      scoring: DEFAULT_SCORING,
      concurrency: 2,
      call,
    });
    expect(judged.sessions.flatMap((s) => s.byJudge[0]!).map((c) => c.npcTurns)).toEqual(Array(8).fill(10));
    const scored = await loadScoredSource(t.store, run.id, { scoring: DEFAULT_SCORING, panel: DEFAULT_PANEL });
    expect(scored.sessions).toHaveLength(4);
    // One severity-2 diversity flag per 10-turn chunk: 100 − 5·(2 − 1) = 95 on Diversity.
    expect(scored.sessions.every((s) => s.card?.dimensions.diversity === 95)).toBe(true);
    const report = buildBenchReport([scored], {
      scoring: DEFAULT_SCORING,
      panel: DEFAULT_PANEL,
      intervals: { seed: 1, resamples: 200, confidence: 0.95 },
    });
    const [entry] = report.entries;
    expect(entry).toMatchObject({ sessions: 4, scenarios: 2, langs: ["en"], userSimulator: "test:user" });
    expect(entry!.cost.player.costUsd).toBeCloseTo(4 * 20 * 0.002, 6);
    expect(entry!.cost.judge.costUsd).toBeCloseTo(0.08, 6);
    expect(report.sessions[0]!.turns).toHaveLength(42);
  }, 60_000);

  it("warns when the judge is the very model that played the NPC and the user, whatever its family", async () => {
    const suite = await resolveSuite("builtin-en");
    // One spec for all three roles; its family is unknown, so only the identity can raise the warning.
    const tiny = scriptedModel("local:/models/tiny.gguf");
    const player = chatModelPlayer(tiny, { maxTokens: 100 });
    const run = await createRun(t.store, {
      suite,
      scenarios: suite.scenarios.slice(0, 1),
      player,
      userModel: tiny,
      userSpec: tiny.id,
      modelName: "tiny",
      simulator: DEFAULT_SIMULATOR_SETTINGS,
      personas: ["plain"],
      traps: [],
      runs: 1,
      turns: 4,
      seed: 3,
      concurrency: 1,
    });
    expect((await executeRun(run.id, { store: t.store, player, userModel: tiny })).status).toBe("complete");
    const source = await loadDialogueSource(t.store, run.id);
    const judgeWith = (id: string) =>
      runJudgement({
        store: t.store,
        source: source.source,
        sourceKind: source.kind,
        sessions: toJudgeableSessions(source),
        judges: [{ id, provider: "test" } as ChatModel],
        settings: DEFAULT_JUDGE_SETTINGS,
        panel: DEFAULT_PANEL,
        scoring: DEFAULT_SCORING,
        concurrency: 1,
        call,
      });
    const same = await judgeWith(tiny.id);
    expect(same.warnings).toEqual([
      expect.stringMatching(/judge local:\/models\/tiny\.gguf is the tested model tiny itself/),
      expect.stringMatching(/judge local:\/models\/tiny\.gguf is also the user simulator of the tiny dialogues/),
    ]);
    expect(same.config).toMatchObject({ testedModels: ["tiny"] });
    // Another model of unknown family raises nothing.
    expect((await judgeWith("local:/models/other.gguf")).warnings).toEqual([]);
  }, 60_000);
});
