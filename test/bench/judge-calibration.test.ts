import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runJudgeRecall } from "../../src/bench/calibration/judge-recall-run.ts";
import { loadReferenceScores } from "../../src/bench/calibration/reference-scores.ts";
import { scoreCorrelation } from "../../src/bench/calibration/score-correlation.ts";
import { simulatorSensitivity } from "../../src/bench/calibration/simulator-sensitivity.ts";
import { runDetectors } from "../../src/bench/detectors/run-detectors.ts";
import { DEFAULT_JUDGE_SETTINGS, type JudgeCall } from "../../src/bench/judge/judge-session.ts";
import { DEFAULT_PANEL } from "../../src/bench/judge/panel.ts";
import { DEFAULT_SCORING } from "../../src/bench/scoring/scoring-config.ts";
import type { ChatModel } from "../../src/llm/index.ts";
import { openTestSqlite, type TestStore } from "../support/stores.ts";
import { judgedSession } from "./judge-analysis-fixtures.ts";

let store: TestStore;
beforeAll(async () => {
  store = await openTestSqlite();
});
afterAll(async () => {
  await store.cleanup();
});

describe("reference scores", () => {
  it("reads official evaluations and human labels, averaging annotators and naming bad rows", async () => {
    const dir = mkdtempSync(join(tmpdir(), "troupe-ref-"));
    const file = join(dir, "labels.jsonl");
    const row = (extra: object) => JSON.stringify({ seed_id: "s1", model_name: "m", run_id: "run_1", ...extra });
    writeFileSync(
      file,
      [
        row({
          basics_score: 90,
          logic_score: 80,
          knowledge_score: 70,
          diversity_score: 60,
          content_logic_score: 50,
          interaction_score: 40,
        }),
        row({ annotator: "b", interaction_score: 60 }),
        JSON.stringify({ seed_id: "s2", model_name: "m", run_id: "run_1", interaction_score: 120 }),
      ].join("\n"),
    );
    await expect(loadReferenceScores(file)).rejects.toThrow(/labels\.jsonl:3: interaction_score/);
    const { sessions, issues } = await loadReferenceScores(file, { skipInvalid: true });
    expect(issues).toHaveLength(1);
    expect(sessions).toEqual([
      {
        seedId: "s1",
        modelName: "m",
        runId: "run_1",
        raters: 2,
        scores: { basics: 90, logic: 80, knowledge: 70, diversity: 60, content_logic: 50, interaction: 50 },
      },
    ]);
  });
});

describe("score correlation", () => {
  it("is 1 when our scores rank sessions and models exactly as the reference does", () => {
    const ours = ["a", "b", "c"].flatMap((m, mi) =>
      [0, 1, 2, 3].map((s) => judgedSession(m, `s${s}`, "run_1", "en", { j: () => Array(mi * 2 + s).fill(3) })),
    );
    const reference = ours.map((s) => ({
      seedId: s.seedId,
      modelName: s.modelName,
      runId: s.runId,
      raters: 1,
      scores: { interaction: s.card!.dimensions.interaction / 2 },
    }));
    const [basics, , , , , interaction] = scoreCorrelation(ours, reference);
    expect(interaction!.session).toMatchObject({ n: 12, spearman: 1, kendall: 1 });
    expect(interaction!.model).toMatchObject({ n: 3, spearman: 1, kendall: 1 });
    expect(basics!.session.n).toBe(0);
    expect(basics!.session.spearman).toBeUndefined();
  });
});

describe("simulator sensitivity", () => {
  it("compares model rankings under two user simulators", () => {
    const runs = (order: number[]) =>
      order.flatMap((flags, i) =>
        [0, 1].map((s) => judgedSession(`m${i}`, `s${s}`, "run_1", "en", { j: () => Array(flags).fill(3) })),
      );
    const same = simulatorSensitivity(runs([0, 2, 4]), runs([1, 3, 5]), DEFAULT_SCORING);
    expect(same).toMatchObject({ spearman: 1, kendall: 1 });
    expect(same.models.map((m) => m.rankA)).toEqual([1, 2, 3]);
    const flipped = simulatorSensitivity(runs([0, 2, 4]), runs([5, 3, 1]), DEFAULT_SCORING);
    expect(flipped).toMatchObject({ spearman: -1, kendall: -1 });
  });
});

describe("judge recall on the flaw-injection set", () => {
  it("measures recall per subtype and per chunk position from the panel's standing flags", async () => {
    // A judge double that reports what the rule detectors find inside its chunk: it finds turn-local flaws.
    const judge: ChatModel = {
      id: "rules-as-judge",
      provider: "test",
      chat: () => Promise.reject(new Error("unused")),
      stream: () => {
        throw new Error("unused");
      },
    };
    const call: JudgeCall = async (_m, messages) => {
      const user = messages[1]!.content;
      const scored = new Set((/scored NPC rounds: ([\d, ]+)/.exec(user)?.[1] ?? "").split(", ").map(Number));
      const turns = [...user.matchAll(/^R(\d+) (NPC|USER)(?: scripted| context)? (".*")$/gm)].map((m) => ({
        role: m[2] === "NPC" ? ("ai" as const) : ("user" as const),
        round: Number(m[1]),
        text: JSON.parse(m[3]!) as string,
      }));
      const lang = /language: "zh"/.test(user) ? "zh" : "en";
      const userName = JSON.parse(/USER = (".*")$/m.exec(user)?.[1] ?? '""') as string;
      const flags = runDetectors({ lang, aiName: "", userName, turns })
        .filter((f) => scored.has(f.round))
        .map((f) => ({ round: f.round, quote: f.quote, reason: f.reason, subtype: f.subtype, severity: f.severity }));
      return {
        reply: { flags, ledger: [], rejected: [] },
        promptTokens: 1,
        completionTokens: 1,
        costUsd: 0,
        latencyMs: 0,
      };
    };
    const result = await runJudgeRecall({
      store: store.store,
      judges: [judge],
      settings: DEFAULT_JUDGE_SETTINGS,
      panel: DEFAULT_PANEL,
      scoring: DEFAULT_SCORING,
      perSubtype: 2,
      langs: ["en", "zh"],
      subtypes: ["speaks_for_user", "over_refusal", "garbled_text"],
      seed: "recall-test",
      concurrency: 2,
      call,
    });
    expect(result.sessions).toBe(12);
    expect(result.recall.bySubtype.map((r) => [r.subtype, r.injected, r.recall])).toEqual([
      ["speaks_for_user", 8, 1],
      ["over_refusal", 8, 1],
      ["garbled_text", 8, 1],
    ]);
    expect(result.recall.byChunk.reduce((n, c) => n + c.injected, 0)).toBe(24);
    expect(result.recall.byChunk.every((c) => c.chunk >= 0 && c.chunk <= 4)).toBe(true);
    expect(result.judgementId).toMatch(/^j-/);
  }, 30_000);
});
