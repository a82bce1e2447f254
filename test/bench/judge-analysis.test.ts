import { describe, expect, it } from "vitest";
import { gateVerdict } from "../../src/bench/analysis/gate.ts";
import { longHorizonCurve } from "../../src/bench/analysis/long-horizon.ts";
import { nestByScenario, nestMean } from "../../src/bench/analysis/metrics.ts";
import { pairedComparison } from "../../src/bench/analysis/paired-comparison.ts";
import { scoreIntervals } from "../../src/bench/analysis/score-intervals.ts";
import { varianceBreakdown } from "../../src/bench/analysis/variance-breakdown.ts";
import { DEFAULT_SCORING } from "../../src/bench/scoring/scoring-config.ts";
import { createRng } from "../../src/core/index.ts";
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
    expect(varianceBreakdown(oneRun, DEFAULT_SCORING).problem).toMatch(/replication|groups/);
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
