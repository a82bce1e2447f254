import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  approximateRandomization,
  hierarchicalBootstrap,
  mean,
  nestedMean,
  pairedBootstrap,
  pairedHierarchicalBootstrap,
  percentileBootstrap,
} from "../../src/stats/index.ts";

// Efron & Tibshirani (1993), "An Introduction to the Bootstrap", ch. 2: the mouse treatment group.
const mouse = [94, 197, 16, 38, 99, 141, 23];

describe("percentileBootstrap", () => {
  it("reproduces Efron & Tibshirani's ideal bootstrap SE of the mouse-data mean (Table 2.1: 23.36 at B = ∞)", () => {
    // By hand: mean 608/7 = 86.857; Σ(x − x̄)² = 26 746.9; plug-in SE = √(26 746.9/7²) = 23.36.
    const r = percentileBootstrap(mouse, { seed: "mouse", resamples: 40_000 });
    expect(r.estimate).toBeCloseTo(86.857, 3);
    expect(Math.abs(r.standardError - 23.36) / 23.36).toBeLessThan(0.02);
  });

  it("is deterministic by seed and different across seeds", () => {
    const a = percentileBootstrap(mouse, { seed: 1, resamples: 500 });
    expect(percentileBootstrap(mouse, { seed: 1, resamples: 500 })).toEqual(a);
    expect(percentileBootstrap(mouse, { seed: 2, resamples: 500 }).lower).not.toBe(a.lower);
  });

  it("contains the point estimate of the mean (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: 1, maxLength: 30 }),
        fc.integer(),
        (xs, seed) => {
          const r = percentileBootstrap(xs, { seed, resamples: 300 });
          expect(r.lower).toBeLessThanOrEqual(r.estimate + 1e-9);
          expect(r.upper).toBeGreaterThanOrEqual(r.estimate - 1e-9);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("bootstraps any statistic and rejects bad input", () => {
    const median = (s: readonly number[]) => [...s].sort((x, y) => x - y)[Math.floor(s.length / 2)] as number;
    expect(percentileBootstrap(mouse, { seed: 3, statistic: median, resamples: 200 }).estimate).toBe(94);
    expect(() => percentileBootstrap([], { seed: 1 })).toThrow(/empty/);
    expect(() => percentileBootstrap([1], { seed: 1, resamples: 0 })).toThrow(/resamples/);
    expect(() => percentileBootstrap([1], { seed: 1, confidence: 95 })).toThrow(/confidence/);
  });
});

describe("hierarchicalBootstrap", () => {
  it("with singleton clusters and only the top level resampled, equals the plain bootstrap draw for draw", () => {
    const clusters = mouse.map((x) => [x]);
    const h = hierarchicalBootstrap(clusters, { seed: 9, resamples: 1000, levels: [true] });
    const p = percentileBootstrap(mouse, { seed: 9, resamples: 1000 });
    expect(h).toEqual(p);
  });

  // A balanced 2-level example: k = 4 clusters of m = 3 leaves. Hand-derived ideal bootstrap variances
  // (no published example for the nested case exists that we could confirm, so these are derived here):
  //   cluster means 2, 5, 8, 13 → grand mean 7; plug-in variance of cluster means S_b = (25 + 4 + 1 + 36)/4 = 16.5.
  //   Top level only: Var* = S_b / k = 4.125.
  //   All levels: each drawn cluster's mean is itself a bootstrap mean with variance s²_i/m, s²_i the plug-in
  //   within-cluster variance: clusters {1,2,3}, {4,5,6}, {7,8,9} have s² = 2/3, {10,13,16} has s² = 6;
  //   mean s² = (3·2/3 + 6)/4 = 2. Var* = (S_b + mean s²/m)/k = (16.5 + 2/3)/4 = 4.2917.
  const clusters = [
    [1, 2, 3],
    [4, 5, 6],
    [7, 8, 9],
    [10, 13, 16],
  ];

  it("matches the hand-derived ideal bootstrap variance for cluster-only and all-level resampling", () => {
    const top = hierarchicalBootstrap(clusters, { seed: "top", resamples: 40_000, levels: [true, false] });
    expect(top.estimate).toBe(7);
    expect(Math.abs(top.standardError ** 2 - 4.125) / 4.125).toBeLessThan(0.03);
    const all = hierarchicalBootstrap(clusters, { seed: "all", resamples: 40_000 });
    expect(Math.abs(all.standardError ** 2 - 4.2917) / 4.2917).toBeLessThan(0.03);
  });

  it("is wider than a bootstrap that wrongly treats the leaves as independent", () => {
    const flat = percentileBootstrap(clusters.flat(), { seed: 4, resamples: 4000 });
    const nested = hierarchicalBootstrap(clusters, { seed: 4, resamples: 4000 });
    expect(nested.upper - nested.lower).toBeGreaterThan(1.3 * (flat.upper - flat.lower));
  });

  it("handles three unbalanced levels, custom statistics, and contains its estimate", () => {
    const data = [
      [
        [70, 72, 75],
        [60, 65],
      ],
      [[80], [82, 85, 88], [90, 91]],
      [
        [50, 55],
        [58, 52],
      ],
    ];
    const r = hierarchicalBootstrap(data, { seed: 5, resamples: 2000 });
    expect(r.estimate).toBeCloseTo(nestedMean(data), 12);
    expect(r.lower).toBeLessThanOrEqual(r.estimate);
    expect(r.upper).toBeGreaterThanOrEqual(r.estimate);
    const maxScenario = hierarchicalBootstrap(data, {
      seed: 5,
      resamples: 200,
      statistic: (tree) => Math.max(...tree.map(nestedMean)),
    });
    expect(maxScenario.estimate).toBeCloseTo(nestedMean(data[1] as number[][]), 12);
  });

  it("rejects ragged and empty groups with a hint", () => {
    expect(() => hierarchicalBootstrap([[1, 2], 3] as never, { seed: 1 })).toThrow(/depth/);
    expect(() => hierarchicalBootstrap([[1, 2], []], { seed: 1 })).toThrow(/empty group/);
    expect(() => hierarchicalBootstrap([[1, Number.NaN]], { seed: 1 })).toThrow(/finite/);
  });
});

describe("paired comparisons", () => {
  it("pairedHierarchicalBootstrap: a constant per-chunk improvement gives a zero-width interval at the cluster level", () => {
    const base = [
      [[50, 60], [55]],
      [
        [80, 90],
        [70, 75],
      ],
      [[20], [30, 40]],
    ];
    const shifted = base.map((s) => s.map((r) => r.map((c) => c + 2)));
    const r = pairedHierarchicalBootstrap(shifted, base, { seed: 1, resamples: 500, levels: [true] });
    expect(r.estimate).toBeCloseTo(2, 12);
    expect(r.lower).toBeCloseTo(2, 12);
    expect(r.upper).toBeCloseTo(2, 12);
    expect(r.pValue).toBeCloseTo(1 / 501, 12);
  });

  it("pairing removes scenario difficulty: the paired interval is far narrower than the unpaired one", () => {
    // Scenario difficulty varies by ±40 points; model A beats B by 1–3 points on each scenario.
    const difficulty = [10, 90, 30, 70, 50, 20, 80, 40, 60, 35];
    const b = difficulty.map((d, i) => [[d + (i % 3)], [d - (i % 2)]]);
    const a = difficulty.map((d, i) => [[d + 2 + (i % 3)], [d + 1 - (i % 2)]]);
    const paired = pairedHierarchicalBootstrap(a, b, { seed: 2, resamples: 2000 });
    const unpairedA = hierarchicalBootstrap(a, { seed: 3, resamples: 2000 });
    expect(paired.lower).toBeGreaterThan(0);
    expect(paired.upper - paired.lower).toBeLessThan((unpairedA.upper - unpairedA.lower) / 5);
    expect(() => pairedHierarchicalBootstrap(a, b.slice(1), { seed: 1 })).toThrow(/same scenarios/);
  });

  it("pairedBootstrap: estimate, interval and p-value for a clear and a null difference", () => {
    const b = [3, 5, 2, 8, 6, 4, 7, 5, 6, 4];
    const clear = pairedBootstrap(
      b.map((x) => x + 1 + (x % 2) * 0.5),
      b,
      { seed: 1, resamples: 2000 },
    );
    expect(clear.estimate).toBeCloseTo(mean(b.map((x) => 1 + (x % 2) * 0.5)), 12);
    expect(clear.lower).toBeGreaterThan(0);
    expect(clear.pValue).toBeLessThan(0.01);
    const none = pairedBootstrap([1, -1, 2, -2, 0.5, -0.5], [0, 0, 0, 0, 0, 0], { seed: 1, resamples: 2000 });
    expect(none.estimate).toBeCloseTo(0, 12);
    expect(none.pValue).toBeGreaterThan(0.9);
    expect(() => pairedBootstrap([1, 2], [1], { seed: 1 })).toThrow(/equal length/);
  });
});

describe("approximateRandomization", () => {
  // Darwin's Zea mays data (cross − self, in eighths of an inch) as analysed by Fisher (1935, §21): the observed sum
  // is 314, and 863 of the 2¹⁵ = 32 768 sign patterns give a sum ≥ 314, so the exact two-sided p = 1726/32768
  // (also Ernst 2004, Statistical Science 19:676).
  const darwin = [49, -67, 8, 16, 6, 23, 28, 41, 14, 29, 56, 24, 75, 60, -48];
  const zeros = darwin.map(() => 0);

  it("reproduces Fisher's exact randomization test on Darwin's data", () => {
    const r = approximateRandomization(darwin, zeros, { seed: 1, exact: true });
    expect(r.exact).toBe(true);
    expect(r.resamples).toBe(32_768);
    expect(r.statistic * darwin.length).toBeCloseTo(314, 9);
    expect(r.pValue * 32_768).toBeCloseTo(1726, 6);
  });

  it("approaches the exact p by Monte Carlo, deterministically by seed", () => {
    const mc = approximateRandomization(darwin, zeros, { seed: "darwin", resamples: 20_000, exact: false });
    expect(mc.exact).toBe(false);
    expect(Math.abs(mc.pValue - 1726 / 32_768)).toBeLessThan(0.008);
    expect(approximateRandomization(darwin, zeros, { seed: "darwin", resamples: 20_000, exact: false })).toEqual(mc);
  });

  it("gives the same exact p through a custom statistic, and enumerates automatically for small n", () => {
    const few = darwin.slice(0, 8);
    const fast = approximateRandomization(
      few,
      few.map(() => 0),
      { seed: 1 },
    );
    expect(fast.exact).toBe(true); // 2^8 ≤ 10 000 resamples
    const custom = approximateRandomization(
      few,
      few.map(() => 0),
      {
        seed: 1,
        statistic: (a, b) => mean(a) - mean(b),
      },
    );
    expect(custom.pValue).toBeCloseTo(fast.pValue, 12);
    // Hand check with n = 3: differences (1, 2, 3), |sum| ≥ 6 only for all + or all −: p = 2/8.
    expect(approximateRandomization([1, 2, 3], [0, 0, 0], { seed: 1 }).pValue).toBeCloseTo(0.25, 12);
  });
});
