import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  axisRange,
  axisTicks,
  groupedBarChart,
  heatmap,
  intervalChart,
  lineChart,
} from "../../src/bench/report/svg-charts.ts";
import { estimateTextWidth, fitText } from "../../src/bench/report/text-width.ts";

// Degenerate numbers the report meets: all scores 100 (an empty range), one point, equal values, no data, NaN.
const degenerate = fc.oneof(
  fc.constantFrom(100, 0, 50, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -5, 250),
  fc.double({ min: 0, max: 100, noNaN: true }),
);
const label = fc.oneof(fc.string({ maxLength: 80 }), fc.constantFrom("", "李明的模型", "a".repeat(300)));

/** A chart is finite SVG: one root, every numeric attribute a finite number. */
function expectFiniteSvg(svg: string): void {
  expect(svg.startsWith("<svg")).toBe(true);
  expect(svg.endsWith("</svg>")).toBe(true);
  const numericAttrs = [...svg.matchAll(/ (x|y|x1|x2|y1|y2|cx|cy|width|height|r)="([^"]*)"/g)];
  for (const [, name, value] of numericAttrs) expect(Number.isFinite(Number(value)), `${name}="${value}"`).toBe(true);
  expect(svg).not.toMatch(/NaN|Infinity/);
  for (const m of svg.matchAll(/points="([^"]*)"/g))
    for (const n of m[1]!.split(/[ ,]/)) expect(Number.isFinite(Number(n))).toBe(true);
}

describe("chart axes", () => {
  it("never have an empty or inverted range, and a fixed number of ticks", () => {
    fc.assert(
      fc.property(degenerate, degenerate, (lo, hi) => {
        const r = axisRange(lo, hi);
        expect(Number.isFinite(r.lo) && Number.isFinite(r.hi) && r.hi > r.lo).toBe(true);
        const ticks = axisTicks(lo, hi, 5);
        expect(ticks).toHaveLength(6);
        expect(ticks.every(Number.isFinite)).toBe(true);
      }),
    );
    // The case that looped until out of memory: every score 100.
    expect(axisRange(100, 100)).toEqual({ lo: 90, hi: 100 });
  });
});

describe("charts on degenerate data", () => {
  it("the interval chart of a run whose every score is 100 is finite SVG", () => {
    const svg = intervalChart([{ label: "m", estimate: 100, lower: 100, upper: 100 }]);
    expectFiniteSvg(svg);
    expect(svg).toContain("100.0 [100.0, 100.0]");
  });

  it("every chart returns finite SVG for no data, one point, equal values and NaN", () => {
    const row = fc.record({ label, estimate: degenerate, lower: degenerate, upper: degenerate });
    fc.assert(
      fc.property(
        fc.array(row, { maxLength: 4 }),
        fc.option(degenerate, { nil: undefined }),
        fc.option(degenerate, { nil: undefined }),
        (rows, min, max) => expectFiniteSvg(intervalChart(rows, { min, max })),
      ),
    );
    const value = fc.record({
      value: fc.option(degenerate, { nil: undefined }),
      lower: fc.option(degenerate, { nil: undefined }),
      upper: fc.option(degenerate, { nil: undefined }),
    });
    fc.assert(
      fc.property(
        fc.array(fc.record({ label, values: fc.array(value, { maxLength: 3 }) }), { maxLength: 6 }),
        fc.array(label, { maxLength: 3 }),
        (groups, series) => expectFiniteSvg(groupedBarChart(groups, series)),
      ),
    );
    const cell = fc.record({
      value: fc.option(degenerate, { nil: undefined }),
      title: label,
      attrs: fc.constant({ "data-session": "0" }),
    });
    fc.assert(
      fc.property(
        fc.array(fc.record({ label, cells: fc.array(cell, { maxLength: 5 }) }), { maxLength: 4 }),
        fc.array(label, { maxLength: 5 }),
        (rows, columns) => expectFiniteSvg(heatmap(rows, columns)),
      ),
    );
    const point = fc.record({ x: degenerate, y: degenerate });
    fc.assert(
      fc.property(
        fc.array(fc.record({ label, points: fc.array(point, { maxLength: 5 }) }), { maxLength: 3 }),
        fc.option(degenerate, { nil: undefined }),
        (series, minYMax) => expectFiniteSvg(lineChart(series, { xLabel: "x", yLabel: "y", minYMax })),
      ),
    );
  });

  it("a line chart of one point, or of all zeros, has a real y axis", () => {
    const svg = lineChart([{ label: "m", points: [{ x: 10, y: 0 }] }], { xLabel: "turn", yLabel: "flags" });
    expectFiniteSvg(svg);
    expect(svg).toContain(">1.00<");
  });
});

describe("labels fit their chart", () => {
  it("shortens a long label with an ellipsis in the middle, within the estimated width", () => {
    const long = "organisation/an-extremely-long-model-name-that-goes-on-and-on-v2.1-instruct-q4_k_m";
    const short = fitText(long, 200, 12);
    // The middle goes: names share their start and differ at the end (version, quantisation).
    expect(short).toMatch(/^organisation\S*…\S*-q4_k_m$/);
    const family = "organisation/a-long-shared-model-family-name-instruct";
    expect(fitText(`${family}-v2.5-q4`, 200, 12)).not.toBe(fitText(`${family}-v3.0-q8`, 200, 12));
    expect(estimateTextWidth(short, 12)).toBeLessThanOrEqual(200);
    expect(fitText("gpt-4.1", 200, 12)).toBe("gpt-4.1");
  });

  it("gives each legend entry its own room, wrapping instead of overlapping", () => {
    const names = ["organisation/a-very-long-model-name-one-v2", "organisation/a-very-long-model-name-two-v2"];
    const svg = groupedBarChart([{ label: "Overall", values: [{ value: 90 }, { value: 80 }] }], names);
    const xs = [...svg.matchAll(/<rect x="([\d.]+)" y="([\d.]+)" width="10"/g)].map((m) => [
      Number(m[1]),
      Number(m[2]),
    ]);
    expect(xs).toHaveLength(2);
    const [a, b] = xs as [[number, number], [number, number]];
    // Either on another line, or to the right of the whole first label.
    expect(b[1] > a[1] || b[0] >= a[0] + 14 + estimateTextWidth(names[0]!, 11)).toBe(true);
  });
});
