import { afterEach, describe, expect, it } from "vitest";
import { type Detector, detectorFlag } from "../../src/bench/detectors/detector.ts";
import {
  chatModelPlayer,
  defineEval,
  type JudgeCall,
  loadDialogueSource,
  resolveScoringConfig,
  resolveSuite,
} from "../../src/bench/index.ts";
import type { ChatModel } from "../../src/llm/index.ts";
import { storeFactories, type TestStore } from "../support/stores.ts";
import { scriptedModel } from "./scripted-model.ts";

const suite = await resolveSuite("builtin-en");
const factories = await storeFactories();
let opened: TestStore[] = [];
afterEach(async () => {
  for (const s of opened) await s.cleanup();
  opened = [];
});

const judgeModel: ChatModel = {
  id: "test:judge",
  provider: "test",
  chat: () => Promise.reject(new Error("unused")),
  stream: () => {
    throw new Error("unused");
  },
};

/** A judge double: one content-logic flag on the first scored NPC round of every chunk, quoting its first words. */
function countingJudge(): { call: JudgeCall; calls: () => number } {
  let n = 0;
  const call: JudgeCall = async (_m, messages) => {
    n++;
    const user = messages[1]!.content;
    const first = Number(/scored NPC rounds: (\d+)/.exec(user)?.[1]);
    const line = new RegExp(`^R${first} NPC (".*")$`, "m").exec(user);
    const text = line ? (JSON.parse(line[1]!) as string) : "";
    const quote = text.split(/\s+/).slice(0, 3).join(" ");
    return {
      reply: {
        flags: [{ round: first, quote, reason: "does not follow", subtype: "incoherence", severity: 3 }],
        ledger: [],
        rejected: [],
      },
      promptTokens: 10,
      completionTokens: 5,
      costUsd: 0,
      latencyMs: 0,
    };
  };
  return { call, calls: () => n };
}

describe("Eval: scenarios, player, simulator, judges, detectors and scorer in one object", () => {
  const base = () =>
    defineEval({
      suite,
      scenarios: suite.scenarios.slice(0, 2),
      player: chatModelPlayer(scriptedModel("test:player"), { temperature: 0.8, maxTokens: 200 }),
      userSimulator: { model: scriptedModel("test:user") },
      judges: [judgeModel],
      protocol: { runs: 2, turns: 6, seed: 3, concurrency: 2 },
      modelName: "scripted",
      intervals: { seed: "eval-test", resamples: 200, confidence: 0.95 },
    });

  it("runs generate → judge → score in one call and returns the scored result", async () => {
    const t = await (factories[0] as (typeof factories)[0])[1]("eval_run");
    opened.push(t);
    const judge = countingJudge();
    const result = await base().run({ store: t.store, judgeCall: judge.call });
    expect(result.generation.status).toBe("complete");
    expect(result.generation.progress).toMatchObject({ sessionsDone: 4, turnsDone: 4 * 8 });
    const scored = result.scored!;
    expect(scored.judgement.judgementId).toMatch(/^j-/);
    expect(scored.sessions).toHaveLength(4);
    // One chunk of 6 generated turns per session (3 NPC turns): one severity-3 flag in content logic.
    for (const s of scored.sessions) {
      expect(s.chunks).toHaveLength(1);
      expect(s.card!.dimensions.content_logic).toBeCloseTo(100 - 5 * (3 - 0.3));
      expect(s.card!.dimensions.logic).toBe(100);
    }
    expect(judge.calls()).toBe(4);
    const overall = scored.scores.get("scripted")!.find((i) => i.metric === "overall" && i.scope === "all")!;
    expect(overall.estimate).toBeCloseTo(100 - 0.25 * 0.5 * 5 * 2.7);

    // Parts are replaceable: a stricter scorer rescales the same judgement without judging again.
    const strict = base().with({ scorer: resolveScoringConfig({ pointsPerUnit: 10 }) });
    const rescored = strict.score(scored.source, scored.judgement);
    expect(rescored.sessions[0]!.card!.dimensions.content_logic).toBeCloseTo(100 - 10 * 2.7);
    // Judging the same run again is served from the stored chunks.
    const again = await strict.judge(result.runId, { store: t.store, judgeCall: judge.call });
    expect(judge.calls()).toBe(4);
    expect(again.judgement.cachedChunks).toBe(4);
    // Detectors are a part too: a custom one's flags join the scored sessions; with none, no detector flag is left.
    const everyTurn: Detector = {
      name: "every-turn",
      subtypes: ["filler"],
      detect: (input) =>
        input.npc.map((turn) => detectorFlag("every-turn", "filler", turn, turn.text.slice(0, 10), 1, "test")),
    };
    const custom = base()
      .with({ detectors: [everyTurn] })
      .score(scored.source, scored.judgement);
    const detectorFlags = (r: typeof custom) =>
      r.sessions.flatMap((s) => s.chunks.flatMap((c) => c.all.filter((f) => f.source === "detector")));
    expect(detectorFlags(custom).map((f) => f.by)).toEqual(Array(12).fill("every-turn"));
    expect(detectorFlags(base().with({ detectors: [] }).score(scored.source, scored.judgement))).toEqual([]);
  });

  it("stops after generation at a budget and resumes to the scored result with a larger one", async () => {
    const t = await (factories[0] as (typeof factories)[0])[1]("eval_budget");
    opened.push(t);
    const judge = countingJudge();
    const priced = base().with({ priceOf: () => ({ input: 100, output: 100 }), budgets: { simulator: 0.05 } });
    const first = await priced.run({ store: t.store, judgeCall: judge.call });
    expect(first.generation.status).toBe("budget");
    expect(first.scored).toBeUndefined();
    expect(judge.calls()).toBe(0);
    const resumed = await priced
      .with({ budgets: { simulator: 1000 } })
      .run({ store: t.store, runId: first.runId, judgeCall: judge.call });
    expect(resumed.generation.status).toBe("complete");
    expect(resumed.scored!.sessions).toHaveLength(4);
    const source = await loadDialogueSource(t.store, first.runId);
    expect(source.dialogues.every((d) => d.dialogue.length === 8)).toBe(true);
  });
});
