import { describe, expect, it } from "vitest";
import {
  comparedSettings,
  comparisonWarnings,
  SMALL_SAMPLE_SCENARIOS,
} from "../../src/bench/analysis/comparability.ts";
import {
  DETECTOR_DISAGREEMENT_THRESHOLD,
  detectorDisagreement,
} from "../../src/bench/analysis/detector-disagreement.ts";
import { DEFAULT_GATE, gateVerdict } from "../../src/bench/analysis/gate.ts";
import { longHorizonCurve } from "../../src/bench/analysis/long-horizon.ts";
import { nestByScenario, nestMean } from "../../src/bench/analysis/metrics.ts";
import { pairedComparison } from "../../src/bench/analysis/paired-comparison.ts";
import { scoreIntervals } from "../../src/bench/analysis/score-intervals.ts";
import { varianceBreakdown } from "../../src/bench/analysis/variance-breakdown.ts";
import type { Dialogue } from "../../src/bench/dialogue.ts";
import { DEFAULT_SCORING } from "../../src/bench/scoring/scoring-config.ts";
import { createRng, ExitCode, UsageError } from "../../src/core/index.ts";
import { judgedSession } from "./judge-analysis-fixtures.ts";
import { flag, syntheticTurns } from "./judge-fixtures.ts";

const FAST = { seed: "test", resamples: 400, confidence: 0.95 };

/** A model whose sessions carry random severity-3 flags, `extra` more per chunk than the base model. */
function model(name: string, extra: number, seed: string, langs = ["en"]) {
  const rng = createRng(seed);
  const out = [];
  for (const lang of langs)
    for (let s = 0; s < 8; s++)
      for (let r = 1; r <= 3; r++)
        out.push(
          judgedSession(name, `${lang}_s${s}`, `run_${r}`, lang, {
            j: () => Array.from({ length: rng.int(3) + extra + (s % 3) }, () => 3),
          }),
        );
  return out;
}

describe("score intervals", () => {
  it("bootstraps scenarios → runs → chunks, pooled and per language, reproducibly", () => {
    const sessions = model("m", 0, "a", ["en", "zh"]);
    const a = scoreIntervals(sessions, DEFAULT_SCORING, FAST);
    expect(a).toEqual(scoreIntervals(sessions, DEFAULT_SCORING, FAST));
    expect(new Set(a.map((i) => i.scope))).toEqual(new Set(["all", "en", "zh"]));
    const overall = a.find((i) => i.metric === "overall" && i.scope === "all")!;
    expect(overall.estimate).toBeCloseTo(nestMean(nestByScenario(sessions, "overall", DEFAULT_SCORING).nest), 10);
    expect(overall.lower).toBeLessThanOrEqual(overall.estimate);
    expect(overall.upper).toBeGreaterThanOrEqual(overall.estimate);
    expect(overall).toMatchObject({ scenarios: 16, sessions: 48 });
    // Only the interaction dimension has flags: the other dimensions are exactly 100 with a zero-width interval.
    expect(a.find((i) => i.metric === "logic" && i.scope === "all")).toMatchObject({
      estimate: 100,
      lower: 100,
      upper: 100,
    });
    expect(scoreIntervals(model("m", 0, "a"), DEFAULT_SCORING, FAST).every((i) => i.scope === "all")).toBe(true);
  });
});

describe("paired comparison and the gate", () => {
  const base = model("base", 0, "b");
  const worse = model("worse", 2, "w");
  const same = model("same", 0, "b");
  it("finds a real difference with an interval excluding 0, a small p-value and a minimum detectable effect", () => {
    const [overall] = pairedComparison(worse, base, DEFAULT_SCORING, FAST, ["overall"]);
    expect(overall!.difference).toBeLessThan(0);
    expect(overall!.upper).toBeLessThan(0);
    expect(overall!.pValue).toBeLessThan(0.05);
    expect(overall!.scenarios).toBe(8);
    expect(overall!.minimumDetectableEffect).toBeGreaterThan(0);
    const [none] = pairedComparison(same, base, DEFAULT_SCORING, FAST, ["overall"]);
    expect(none!.difference).toBe(0);
  });
  it("passes when the lower bound clears −margin and fails otherwise", () => {
    expect(gateVerdict(worse, base, DEFAULT_SCORING).pass).toBe(false);
    expect(gateVerdict(base, worse, DEFAULT_SCORING).pass).toBe(true);
    // A model compared with itself: every per-scenario difference is 0, so the paired interval is exactly [0, 0]
    // and the gate passes at any margin.
    const v = gateVerdict(same, base, DEFAULT_SCORING, {
      margin: 1,
      metrics: ["overall", "interaction"],
      intervals: FAST,
    });
    expect(v).toMatchObject({ pairedScenarios: 8, onlyBaseline: [], onlyCandidate: [] });
    expect(v.rows.map((r) => [r.metric, r.difference, r.lower, r.upper, r.pass])).toEqual([
      ["overall", 0, 0, 0, true],
      ["interaction", 0, 0, 0, true],
    ]);
    expect(v.pass).toBe(true);
    // Within the margin but uncertain: a small real drop whose interval reaches past −margin fails.
    const slightlyWorse = model("slightly", 1, "b");
    const tight = gateVerdict(slightlyWorse, base, DEFAULT_SCORING, {
      margin: 0.01,
      metrics: ["overall"],
      intervals: FAST,
    });
    expect(tight.rows[0]!.lower).toBeLessThan(-0.01);
    expect(tight.pass).toBe(false);
    expect(() => gateVerdict(model("zh", 0, "z", ["zh"]), base, DEFAULT_SCORING)).toThrow(
      /no judged scenario in common/,
    );
  });
  it("refuses to decide on fewer paired scenarios than --min-scenarios (a usage error, exit 2)", () => {
    const options = { ...DEFAULT_GATE, intervals: FAST, minScenarios: 9 };
    let error: unknown;
    try {
      gateVerdict(base, worse, DEFAULT_SCORING, options);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect(error).toMatchObject({ code: "bench.gate_too_few_scenarios", exitCode: ExitCode.usage });
    expect((error as Error).message).toBe(
      "The baseline and the candidate share 8 judged scenario(s); --min-scenarios requires 9.",
    );
    expect(gateVerdict(base, worse, DEFAULT_SCORING, { ...options, minScenarios: 8 }).pairedScenarios).toBe(8);
  });
});

describe("comparison warnings", () => {
  const settings = { turns: 40, playerMaxTokens: "256", simulatorMaxTokens: "unset", simulator: "sim" };
  it("warn when a comparison rests on fewer than SMALL_SAMPLE_SCENARIOS paired scenarios", () => {
    const a = { label: "cand", settings };
    const b = { label: "base", settings };
    expect(comparisonWarnings(a, b, SMALL_SAMPLE_SCENARIOS)).toEqual([]);
    const [w] = comparisonWarnings(a, b, 2);
    expect(w).toMatch(/^cand vs base: the comparison rests on 2 paired scenario\(s\), fewer than 10; .*unreliable/);
  });
  it("warn when the runs were made with different turns or token limits, naming both values", () => {
    const w = comparisonWarnings(
      { label: "cand", settings: { ...settings, turns: 20, playerMaxTokens: "unset" } },
      { label: "base", settings },
      12,
    );
    expect(w).toEqual([
      "cand vs base: the runs were made with different settings (turns per session 20 vs 40; player max tokens unset vs 256); a score difference may come from the settings, not the model.",
    ]);
    // Official files record no token limits: nothing to compare there, no warning.
    const official = { turns: 40, playerMaxTokens: undefined, simulatorMaxTokens: undefined, simulator: undefined };
    expect(comparisonWarnings({ label: "a", settings: official }, { label: "b", settings }, 12)).toEqual([]);
  });
  it("read the settings from the dialogues, the longest complete session giving the turns", () => {
    const meta = (status: "complete" | "partial", maxTokens?: number) =>
      ({
        status,
        player: { params: maxTokens === undefined ? {} : { maxTokens } },
        user_simulator: { params: {}, model: "sim-1" },
      }) as unknown as Dialogue["meta"];
    const d = (turns: number, m?: Dialogue["meta"]) =>
      ({ dialogue: Array.from({ length: turns }), meta: m }) as unknown as Dialogue;
    expect(comparedSettings([d(22, meta("complete", 128)), d(30, meta("partial", 128))])).toEqual({
      turns: 22,
      playerMaxTokens: "128",
      simulatorMaxTokens: "unset",
      simulator: "sim-1",
    });
    expect(comparedSettings([d(102)])).toEqual({
      turns: 102,
      playerMaxTokens: undefined,
      simulatorMaxTokens: undefined,
      simulator: undefined,
    });
  });
});

describe("detector disagreement", () => {
  const turns = Array.from({ length: 44 }, (_, i) => ({
    role: (i % 2 === 0 ? "ai" : "user") as "ai" | "user",
    round: Math.floor(i / 2),
  }));
  it("counts generated NPC turns with a detector flag and no scored judge flag", () => {
    const d = detectorDisagreement([
      {
        turns,
        judgeFlags: [{ round: 4 }],
        // Round 4 the judge flagged too, round 0 is the scripted prologue; a turn counts once however many flags.
        detectorFlags: [{ round: 0 }, { round: 2 }, { round: 2 }, { round: 4 }, { round: 6 }],
      },
    ]);
    expect(d).toEqual({ npcTurns: 20, detectorOnlyTurns: 2, share: 0.1, exceeds: false });
  });
  it("crosses the documented threshold at 10% of turns and at least 3 turns", () => {
    expect(DETECTOR_DISAGREEMENT_THRESHOLD).toEqual({ share: 0.1, minTurns: 3 });
    const flagged = (rounds: number[]) =>
      detectorDisagreement([{ turns, judgeFlags: [], detectorFlags: rounds.map((round) => ({ round })) }]);
    expect(flagged([2, 4, 6]).exceeds).toBe(true);
    expect(flagged([2, 4]).exceeds).toBe(false);
    const long = Array.from({ length: 202 }, (_, i) => ({
      role: (i % 2 === 0 ? "ai" : "user") as "ai" | "user",
      round: Math.floor(i / 2),
    }));
    expect(
      detectorDisagreement([{ turns: long, judgeFlags: [], detectorFlags: [2, 4, 6].map((round) => ({ round })) }])
        .exceeds,
    ).toBe(false);
  });
});

describe("variance breakdown", () => {
  it("splits the variance into scenario, run and chunk, and plans the number of scenarios", () => {
    const v = varianceBreakdown(model("m", 0, "v"), DEFAULT_SCORING, "overall", 1);
    expect(v.innermost).toBe("chunk");
    expect(v.components.map((c) => c.level)).toEqual(["scenario", "run", "chunk"]);
    expect(v.components.reduce((s, c) => s + c.share, 0)).toBeCloseTo(1, 10);
    expect(v).toMatchObject({ runsPerScenario: 3, perRun: 5 });
    expect(Number.isInteger(v.scenariosNeeded)).toBe(true);
    expect(v.scenariosNeeded!).toBeGreaterThan(1);
  });
  it("uses judges as the innermost level with a panel, and explains when it cannot decompose", () => {
    const panel = Array.from({ length: 6 }, (_, s) =>
      [1, 2].map((r) =>
        judgedSession("m", `s${s}`, `run_${r}`, "en", { a: () => [3], b: () => [3, 3, 3, s % 2 ? 3 : 1] }),
      ),
    ).flat();
    expect(varianceBreakdown(panel, DEFAULT_SCORING).innermost).toBe("judge");
    const oneRun = [judgedSession("m", "s1", "run_1", "en", { j: () => [] })];
    expect(varianceBreakdown(oneRun, DEFAULT_SCORING).problem).toBe(
      "Only one scenario: the split needs two or more scenarios.",
    );
  });
  it("says in the reader's terms what the design lacks, never the statistics library's message", () => {
    const oneRunEach = ["s1", "s2", "s3"].map((s) =>
      judgedSession("m", s, "run_1", "en", { j: (c) => Array(c % 3).fill(3) }),
    );
    const v = varianceBreakdown(oneRunEach, DEFAULT_SCORING);
    expect(v.problem).toMatch(/^One run per scenario: .*--runs 2/);
    expect(v.problem).not.toMatch(/Level|degrees of freedom/);
    const oneChunk = ["s1", "s2"].flatMap((s) =>
      ["run_1", "run_2"].map((r) => judgedSession("m", s, r, "en", { j: () => [3] }, 1)),
    );
    expect(varianceBreakdown(oneChunk, DEFAULT_SCORING).problem).toMatch(/^One judged chunk per run: .*--chunk-turns/);
    expect(varianceBreakdown([], DEFAULT_SCORING).problem).toBe("No judged chunks to split the variance of.");
  });
});

describe("long-horizon curve", () => {
  it("counts flags per NPC turn and mean length per 10 generated turns", () => {
    const turns = syntheticTurns(20, (r, role) => (role === "ai" ? "x".repeat(r < 12 ? 10 : 30) : "u"));
    const curve = longHorizonCurve([
      {
        turns,
        judgeFlags: [flag({ round: 4 }), flag({ round: 14 }), flag({ round: 16 })],
        detectorFlags: [flag({ round: 20, source: "detector" })],
      },
    ]);
    expect(curve).toEqual([
      {
        bucket: 0,
        firstTurn: 1,
        lastTurn: 10,
        npcTurns: 5,
        judgeFlagsPerTurn: 0.2,
        detectorFlagsPerTurn: 0,
        meanLength: 10,
      },
      {
        bucket: 1,
        firstTurn: 11,
        lastTurn: 20,
        npcTurns: 5,
        judgeFlagsPerTurn: 0.4,
        detectorFlagsPerTurn: 0.2,
        meanLength: 30,
      },
    ]);
  });
});
