import { describe, expect, it } from "vitest";
import { createRng } from "../../src/core/index.ts";
import {
  type ChoiceObservation,
  effectiveSampleSize,
  estimatePositionBias,
  type Label,
  positionBiasEm,
  positionBiasFromRandomized,
  stratify,
  weighLabels,
} from "../../src/feedback/index.ts";

const TRUE_THETA = [1, 0.6, 0.3];

/** Choice groups of three where the user examines position k with θ_k and keeps the best examined item. */
function simulate(n: number, randomized: boolean, seed = 1): ChoiceObservation[] {
  const rng = createRng(seed);
  const out: ChoiceObservation[] = [];
  for (let g = 0; g < n; g++) {
    const quality = [0, 1, 2].map(() => rng.next());
    const order = [0, 1, 2];
    if (randomized) order.sort(() => rng.next() - 0.5);
    else order.sort((a, b) => (quality[b] as number) - (quality[a] as number) + (rng.next() - 0.5) * 0.8);
    const examined = order.map((_, k) => k === 0 || rng.next() < (TRUE_THETA[k] as number));
    let best = -1;
    order.forEach((item, k) => {
      if (examined[k] && (best < 0 || (quality[item] as number) > (quality[order[best] as number] as number))) best = k;
    });
    order.forEach((item, k) => {
      out.push({
        position: k,
        chosen: k === best,
        itemKey: (quality[item] as number) > 0.5 ? "good" : "poor",
        randomized,
      });
    });
  }
  return out;
}

describe("position bias", () => {
  it("from randomized orders recovers that deeper positions are chosen less", () => {
    const bias = positionBiasFromRandomized(simulate(4000, true));
    expect(bias.method).toBe("randomized");
    expect(bias.theta[0]).toBe(1);
    expect(bias.theta[1]).toBeLessThan(0.9);
    expect(bias.theta[2] as number).toBeLessThan(bias.theta[1] as number);
  });

  it("EM fits a decreasing examination curve without randomization", () => {
    const bias = positionBiasEm(simulate(3000, false));
    expect(bias.method).toBe("em");
    expect(bias.theta[0]).toBe(1);
    expect(bias.theta[2] as number).toBeLessThan(bias.theta[1] as number);
    expect(bias.theta[1] as number).toBeLessThan(1);
  });

  it("uses randomization when there is enough of it", () => {
    expect(estimatePositionBias(simulate(100, true)).method).toBe("randomized");
    expect(estimatePositionBias(simulate(10, true)).method).toBe("em");
  });
});

function label(i: number, user: string, chosen: number, rejected: number): Label {
  return {
    id: `l${i}`,
    kind: "pair",
    source: "swipe",
    ownerId: "o",
    userId: user,
    chatId: "c",
    chosen: `a${i}`,
    rejected: `b${i}`,
    positions: { chosen, rejected },
    randomizedOrder: false,
    weight: 1,
    confidence: 1,
    sessionWeight: 1,
    ts: i,
  };
}

describe("weights", () => {
  it("clips, self-normalises to mean 1 and reports ESS", () => {
    const bias = { theta: [1, 0.5, 0.01], method: "randomized" as const, groups: 1 };
    const labels = [label(0, "u0", 0, 1), label(1, "u1", 0, 2), label(2, "u2", 1, 0)];
    const weighted = weighLabels(labels, bias, { clip: 10, maxUserShare: 1 });
    expect(weighted.map((l) => l.ipsWeight)).toEqual([2, 10, 2]);
    const sum = weighted.reduce((s, l) => s + l.finalWeight, 0);
    expect(sum).toBeCloseTo(3);
    expect(effectiveSampleSize([1, 1, 1, 1])).toBe(4);
    expect(effectiveSampleSize([100, 0.001, 0.001])).toBeCloseTo(1, 2);
    expect(effectiveSampleSize(weighted.map((l) => l.finalWeight))).toBeLessThan(3);
  });

  it("caps each user's share of the total weight", () => {
    const bias = { theta: [1], method: "none" as const, groups: 0 };
    const labels = [
      ...Array.from({ length: 500 }, (_, i) => label(i, "heavy", 0, 0)),
      ...Array.from({ length: 100 }, (_, i) => label(1000 + i, `u${i}`, 0, 0)),
    ];
    const weighted = weighLabels(labels, bias, { clip: 10, maxUserShare: 0.02 });
    const strata = stratify(weighted, (l) => l.userId);
    const total = strata.reduce((s, x) => s + x.weight, 0);
    expect(strata[0]?.key).toBe("heavy");
    expect((strata[0]?.weight as number) / total).toBeCloseTo(0.02, 3);
    expect(strata[0]?.ess).toBeCloseTo(500);
  });
});
