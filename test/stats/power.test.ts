import { describe, expect, it } from "vitest";
import {
  clusterMeanVariance,
  clustersForHalfWidth,
  halfWidthForClusters,
  minimumDetectableEffect,
  pairedSampleSize,
  pairedTTestPower,
  studentTQuantile,
  varianceComponents,
} from "../../src/stats/index.ts";

describe("paired power and minimum detectable effect", () => {
  it("matches G*Power's one-sample/paired t example: d = 1/3, n = 25, α = .05 two-tailed → power 0.360", () => {
    // Worked in "G*Power: t Tests" (Wuensch, GPower3-T), which contrasts it with the normal approximation's .388.
    expect(+pairedTTestPower({ n: 25, sdDifference: 15, effect: 5 }).toFixed(3)).toBe(0.36);
  });

  it("needs 34 pairs to detect d_z = 0.5 with 80% power (noncentral t; the normal formula says 32)", () => {
    // Hand check of the normal formula: ((1.95996 + 0.84162)/0.5)² = 31.4 → 32. The exact t-test needs more;
    // we check n = 34 is the first n reaching 0.8 rather than trusting a remembered table value.
    expect(pairedSampleSize({ effect: 0.5, sdDifference: 1 })).toBe(34);
    expect(pairedTTestPower({ n: 33, sdDifference: 1, effect: 0.5 })).toBeLessThan(0.8);
    expect(pairedTTestPower({ n: 34, sdDifference: 1, effect: 0.5 })).toBeGreaterThanOrEqual(0.8);
  });

  it("inverts power: the MDE has exactly the requested power, and exceeds the normal approximation", () => {
    const mde = minimumDetectableEffect({ n: 50, sdDifference: 8, power: 0.9 });
    expect(pairedTTestPower({ n: 50, sdDifference: 8, effect: mde.effect })).toBeCloseTo(0.9, 6);
    expect(mde.standardizedEffect).toBeCloseTo(mde.effect / 8, 12);
    // Normal approximation by hand: (1.959964 + 1.281552)·8/√50 = 3.6671.
    expect(mde.normalApproximation).toBeCloseTo(3.6671, 3);
    expect(mde.effect).toBeGreaterThan(mde.normalApproximation);
    expect(mde.effect).toBeLessThan(mde.normalApproximation * 1.05);
  });

  it("rejects impossible designs with a hint", () => {
    expect(() => minimumDetectableEffect({ n: 1, sdDifference: 1 })).toThrow(/at least 2/);
    expect(() => minimumDetectableEffect({ n: 10, sdDifference: 0 })).toThrow(/sdDifference/);
    expect(() => minimumDetectableEffect({ n: 10, sdDifference: 1, power: 1.2 })).toThrow(/power/);
  });
});

describe("varianceComponents", () => {
  // Davies (1947) dyestuff yields, 6 batches × 5 preparations (lme4's Dyestuff). lme4's REML fit reports
  // σ²_batch = 1764.05 and σ²_residual = 2451.25; for balanced data with positive estimates REML equals the
  // ANOVA method of moments used here.
  const dyestuff = [
    [1545, 1440, 1440, 1520, 1580],
    [1540, 1555, 1490, 1560, 1495],
    [1595, 1550, 1605, 1510, 1560],
    [1445, 1440, 1595, 1465, 1545],
    [1595, 1630, 1515, 1635, 1625],
    [1520, 1455, 1450, 1480, 1445],
  ];

  it("matches the published Dyestuff variance components", () => {
    const r = varianceComponents(dyestuff, ["batch", "residual"]);
    expect(r.grandMean).toBeCloseTo(1527.5, 9);
    expect(r.components[0]?.variance).toBeCloseTo(1764.05, 6);
    expect(r.components[1]?.variance).toBeCloseTo(2451.25, 6);
    expect(r.components[0]?.meanSquare).toBeCloseTo(11271.5, 6);
    expect(r.balanced).toBe(true);
  });

  it("solves a balanced three-level design by hand (scenario → run → judge)", () => {
    // Two scenarios × two runs × two judges. Scenario means 3, 7; run means 2, 4 | 6, 8; leaves ±1 around runs.
    // SS_residual = 8·1 = 8 (df 4) → MS 2. SS_run = 2·(1+1+1+1) = 8 (df 2) → MS 4. SS_scenario = 4·(4+4) = 32
    // (df 1) → MS 32. σ²_e = 2; σ²_run = (4 − 2)/2 = 1; σ²_scen = (32 − 4)/4 = 7.
    const data = [
      [
        [1, 3],
        [3, 5],
      ],
      [
        [5, 7],
        [7, 9],
      ],
    ];
    const r = varianceComponents(data, ["scenario", "run", "judge"]);
    expect(r.components.map((c) => c.variance)).toEqual([7, 1, 2].map((v) => expect.closeTo(v, 12)));
    expect(r.components.map((c) => c.df)).toEqual([1, 2, 4]);
    expect(r.total).toBeCloseTo(10, 12);
  });

  it("handles unbalanced one-way data with the n₀ coefficient and truncates negative estimates", () => {
    // Groups {1,3}, {5}, {6,8,10}: N = 6, grand mean 5.5. n₀ = (6 − (4 + 1 + 9)/6)/2 = 1.8333.
    // Group means 2, 5, 8. SS_within = 2 + 0 + 8 = 10 (df 3) → MS_w = 3.3333;
    // SS_between = 2·(2 − 5.5)² + 1·(5 − 5.5)² + 3·(8 − 5.5)² = 24.5 + 0.25 + 18.75 = 43.5 (df 2) → MS_b = 21.75.
    // σ²_between = (21.75 − 3.3333)/1.8333 = 10.04545.
    const r = varianceComponents([[1, 3], [5], [6, 8, 10]]);
    expect(r.balanced).toBe(false);
    expect(r.components[0]?.rawVariance).toBeCloseTo(10.045455, 5);
    expect(r.components[1]?.rawVariance).toBeCloseTo(10 / 3, 9);
    const noise = varianceComponents([
      [1, 9],
      [2, 8],
      [9, 1],
    ]);
    expect(noise.components[0]?.rawVariance).toBeLessThan(0);
    expect(noise.components[0]?.variance).toBe(0);
  });

  it("rejects data without replication", () => {
    expect(() => varianceComponents([1, 2, 3] as never)).toThrow(/groups/);
    expect(() => varianceComponents([[1], [2]])).toThrow(/replication/);
  });
});

describe("cluster planning", () => {
  it("computes the variance of a cluster mean and the number of clusters for a target half-width", () => {
    // σ² = (scenario 16, run 6, chunk 30) with 3 runs × 5 chunks: V₁ = 16 + 6/3 + 30/15 = 20.
    const plan = { variances: [16, 6, 30], perCluster: [3, 5] };
    expect(clusterMeanVariance(plan)).toBeCloseTo(20, 12);
    // Normal start: k = ⌈1.96²·20/1²⌉ = ⌈76.83⌉ = 77; the t correction (t₇₆ = 1.9917) pushes it to 80 by hand:
    // t_{k−1}·√(20/k) ≤ 1 first holds at k = 80 (t₇₉ = 1.99045: 1.99045·0.5 = 0.99522; k = 79: t₇₈·√(20/79) = 1.0018).
    const k = clustersForHalfWidth({ ...plan, halfWidth: 1 });
    expect(k).toBe(80);
    expect(halfWidthForClusters({ ...plan, clusters: k })).toBeLessThanOrEqual(1);
    expect(halfWidthForClusters({ ...plan, clusters: k - 1 })).toBeGreaterThan(1);
    expect(studentTQuantile(0.975, 79) * Math.sqrt(20 / 80)).toBeCloseTo(0.99522, 4);
  });

  it("plans from a variance decomposition and rejects mismatched shapes", () => {
    const v = varianceComponents([
      [
        [1, 3],
        [3, 5],
      ],
      [
        [5, 7],
        [7, 9],
      ],
    ]);
    const variances = v.components.map((c) => c.variance);
    expect(clustersForHalfWidth({ variances, perCluster: [2, 2], halfWidth: 2 })).toBeGreaterThan(2);
    expect(() => clusterMeanVariance({ variances, perCluster: [2] })).toThrow(/one fewer/);
  });
});
