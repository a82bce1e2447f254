import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runJudgeCalibration } from "../../src/bench/calibration/judge-calibration-run.ts";
import { judgeFlawRecall } from "../../src/bench/calibration/judge-flaw-recall.ts";
import { FACT_DISTANCES, JUDGE_FLAW_KINDS, judgeFlawSet } from "../../src/bench/calibration/judge-flaws.ts";
import { runDetectors } from "../../src/bench/detectors/run-detectors.ts";
import type { Flag } from "../../src/bench/judge/flag.ts";
import { DEFAULT_JUDGE_SETTINGS, type JudgeCall } from "../../src/bench/judge/judge-session.ts";
import { DEFAULT_PANEL } from "../../src/bench/judge/panel.ts";
import { DEFAULT_SCORING } from "../../src/bench/scoring/scoring-config.ts";
import type { ChatModel } from "../../src/llm/index.ts";
import { openTestSqlite, type TestStore } from "../support/stores.ts";
import { judgeFlawOracle } from "./judge-flaw-oracle.ts";

let store: TestStore;
beforeAll(async () => {
  store = await openTestSqlite();
});
afterAll(async () => {
  await store.cleanup();
});

function model(id: string): ChatModel {
  return {
    id,
    provider: "test",
    chat: () => Promise.reject(new Error("unused")),
    stream: () => {
      throw new Error("unused");
    },
  };
}

function oracleCall(options: { noisy?: boolean } = {}): JudgeCall {
  return async (_m, messages) => {
    const reply = JSON.parse(judgeFlawOracle(messages[1]!.content, options));
    return {
      reply: { flags: reply.flags, ledger: reply.ledger, rejected: [] },
      promptTokens: 1,
      completionTokens: 1,
      costUsd: 0,
      latencyMs: 0,
    };
  };
}

describe("judge-level flaw set", () => {
  it("has one flaw with ground truth per session, contradictions at 20, 50 and 80 turns in other chunks", () => {
    const set = judgeFlawSet({ seed: "t", perKind: 3, clean: 2, langs: ["en", "zh"] });
    // (8 kinds + 2 more distances) × 3 + 2 clean, per language.
    expect(set).toHaveLength(2 * (10 * 3 + 2));
    for (const s of set) {
      expect(s.turns).toHaveLength(102);
      for (const f of s.flaws) {
        expect(f.round % 2).toBe(0);
        expect(f.round).toBeGreaterThanOrEqual(2);
        expect(f.lastRound).toBeLessThanOrEqual(100);
        if (f.kind === "fact_contradiction") {
          expect(f.round - f.setRound!).toBe(f.distance);
          expect(Math.floor((f.round - 2) / 20)).toBeGreaterThan(Math.floor((f.setRound! - 2) / 20));
        }
      }
    }
    expect(new Set(set.flatMap((s) => s.flaws.map((f) => f.distance)).filter(Boolean))).toEqual(
      new Set(FACT_DISTANCES),
    );
    expect(new Set(set.flatMap((s) => s.flaws.map((f) => f.kind)))).toEqual(new Set(JUDGE_FLAW_KINDS));
    // Deterministic for a seed.
    expect(judgeFlawSet({ seed: "t", perKind: 3, clean: 2 })).toEqual(set);
    const rule = set.find((s) => s.flaws[0]?.kind === "world_rule_break")!;
    expect(rule.aiSetting).toMatch(/World rule: |世界规则：/);
    // A group scene: two speakers, labelled, and the partner voices the NPC's secret on a line of their own.
    for (const group of set.filter((s) => s.flaws[0]?.kind === "group_knowledge_leak")) {
      const [npc, partner] = group.cast!.map((m) => m.name);
      const leak = group.turns.find((t) => t.round === group.flaws[0]!.round)!;
      expect(leak.text.startsWith(`${partner}`)).toBe(true);
      expect(group.turns.filter((t) => t.role === "ai" && t.text.startsWith(`${npc}`)).length).toBeGreaterThan(20);
    }
  });

  it("injects nothing the rule detectors can see, except the asides of immersion erosion", () => {
    const set = judgeFlawSet({ seed: "det", perKind: 2, clean: 0, langs: ["en", "zh"] });
    for (const s of set) {
      const flags = runDetectors({ ...s, cast: s.cast?.map((m) => m.name) }).filter(
        (f) => f.subtype !== "immersion_erosion",
      );
      expect(flags.map((f) => `${s.id} ${f.subtype} R${f.round}`)).toEqual([]);
    }
  });
});

describe("judge flaw recall", () => {
  const flag = (round: number, dimension: Flag["dimension"]): Flag => ({
    dimension,
    subtype: "incoherence",
    round,
    quote: "x",
    severity: 2,
    reason: "r",
    source: "judge",
    verified: true,
    verification: "ok",
    by: "j",
  });
  it("counts a flaw found by an accepted dimension inside its span, with Wilson intervals, and false flags on clean chunks", () => {
    const set = judgeFlawSet({ seed: "r", perKind: 1, clean: 2, langs: ["en"], kinds: ["ooc_drift", "factual_error"] });
    const drift = set.find((s) => s.flaws[0]?.kind === "ooc_drift")!;
    const error = set.find((s) => s.flaws[0]?.kind === "factual_error")!;
    const cleanIds = set.filter((s) => s.flaws.length === 0).map((s) => s.id);
    const flags = new Map<string, Flag[]>([
      [drift.id, [flag(drift.flaws[0]!.round + 4, "content_logic")]],
      // Right round, wrong dimension: not found.
      [error.id, [flag(error.flaws[0]!.round, "content_logic")]],
      [cleanIds[0]!, [flag(2, "logic"), flag(4, "logic"), flag(30, "basics")]],
    ]);
    const r = judgeFlawRecall(
      set,
      (s) => flags.get(s.id) ?? [],
      () => 5,
    );
    expect(r.byKind.map((k) => [k.kind, k.injected, k.found])).toEqual([
      ["ooc_drift", 1, 1],
      ["factual_error", 1, 0],
    ]);
    expect(r.byKind[0]!.interval!.lower).toBeGreaterThan(0);
    expect(r.byKind[1]!.interval).toMatchObject({ estimate: 0, lower: 0 });
    expect(r.overall).toMatchObject({ injected: 2, found: 1, recall: 0.5 });
    expect(r.falseFlags).toMatchObject({
      cleanSessions: 2,
      cleanChunks: 10,
      flags: 3,
      perChunk: 0.3,
      chunksFlagged: 2,
    });
    expect(r.falseFlags.interval!.lower).toBeLessThanOrEqual(0.3);
    expect(r.falseFlags.interval!.upper).toBeGreaterThanOrEqual(0.3);
    expect(r.falseFlags.flaggedShare!.estimate).toBe(0.2);
  });
});

describe("judge calibration with and without the canon ledger", () => {
  it("finds long-range contradictions only through the ledger, and measures what the ledger is worth", async () => {
    const result = await runJudgeCalibration({
      store: store.store,
      judges: [model("oracle")],
      settings: DEFAULT_JUDGE_SETTINGS,
      panel: DEFAULT_PANEL,
      scoring: DEFAULT_SCORING,
      perKind: 2,
      clean: 2,
      langs: ["en", "zh"],
      seed: "cal-test",
      concurrency: 2,
      call: oracleCall(),
    });
    const [on, off] = result.conditions;
    expect(on!.ledger).toBe("on");
    expect(off!.ledger).toBe("off");
    expect(on!.judgementId).not.toBe(off!.judgementId);
    expect(result.sessions).toBe(2 * (10 * 2 + 2));
    // With the ledger the oracle finds every flaw; without it, no contradiction at any distance.
    expect(on!.recall.byKind.map((k) => [k.kind, k.recall])).toEqual(JUDGE_FLAW_KINDS.map((k) => [k, 1]));
    expect(on!.recall.byDistance.map((d) => [d.distance, d.injected, d.recall])).toEqual([
      [20, 4, 1],
      [50, 4, 1],
      [80, 4, 1],
    ]);
    expect(off!.recall.byDistance.map((d) => d.recall)).toEqual([0, 0, 0]);
    for (const kind of ["world_rule_break", "ooc_drift", "rushed_pacing", "factual_error", "immersion_erosion"])
      expect(off!.recall.byKind.find((k) => k.kind === kind)!.recall).toBe(1);
    expect(on!.recall.falseFlags).toMatchObject({ cleanSessions: 4, cleanChunks: 20, flags: 0, perChunk: 0 });
    expect(result.ledgerWorth!.factContradiction).toMatchObject({
      flaws: 12,
      difference: { estimate: 1, lower: 1, upper: 1 },
    });
    expect(result.ledgerWorth!.all!.difference.estimate).toBeGreaterThan(0);
    // Stored like any judgement: a rerun is served from the judged chunks.
    let judged = 0;
    const again = await runJudgeCalibration({
      store: store.store,
      judges: [model("oracle")],
      settings: DEFAULT_JUDGE_SETTINGS,
      panel: DEFAULT_PANEL,
      scoring: DEFAULT_SCORING,
      perKind: 2,
      clean: 2,
      langs: ["en", "zh"],
      seed: "cal-test",
      concurrency: 2,
      ledger: ["on"],
      call: async () => {
        judged++;
        throw new Error("must not be called");
      },
    });
    expect(judged).toBe(0);
    expect(again.conditions[0]!.recall).toEqual(on!.recall);
    expect(again.ledgerWorth).toBeUndefined();
  }, 60_000);

  it("counts a judge's flags on clean sessions as false flags per clean chunk", async () => {
    const result = await runJudgeCalibration({
      store: store.store,
      judges: [model("noisy-oracle")],
      settings: DEFAULT_JUDGE_SETTINGS,
      panel: DEFAULT_PANEL,
      scoring: DEFAULT_SCORING,
      perKind: 1,
      clean: 3,
      langs: ["en"],
      kinds: ["factual_error"],
      seed: "noisy",
      concurrency: 2,
      ledger: ["on"],
      call: oracleCall({ noisy: true }),
    });
    const ff = result.conditions[0]!.recall.falseFlags;
    expect(ff).toMatchObject({ cleanSessions: 3, cleanChunks: 15, flags: 15, perChunk: 1, chunksFlagged: 15 });
    expect(ff.flaggedShare!.estimate).toBe(1);
  }, 60_000);
});
