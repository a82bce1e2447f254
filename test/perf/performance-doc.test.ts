import { describe, expect, it } from "vitest";
import { mergePerformanceDoc, renderSection } from "../../perf/performance-doc.ts";

const result = (name: string, ratio: number, pass?: boolean) => ({
  name,
  ratio,
  unit: "troupe ÷ baseline",
  ...(pass === undefined ? {} : { target: "< 2", pass }),
  detail: { seconds: 0.123456 },
  file: "x.perf.ts",
});

describe("docs/performance.md", () => {
  it("renders one section per perf file with its results, target verdicts and the command to rerun it", () => {
    const section = renderSection("a.perf.ts", [result("fast | thing", 1.5, true), result("slow", 3, false)]);
    expect(section).toContain("`npm run perf a`");
    expect(section).toContain("| fast \\| thing | 1.500 |");
    expect(section).toContain("< 2 met");
    expect(section).toContain("< 2 **missed**");
    expect(section).toContain("seconds=0.1235");
  });

  it("replaces only the sections just measured and keeps the others, in file order", () => {
    const a1 = renderSection("a.perf.ts", [result("one", 1)]);
    const b1 = renderSection("b.perf.ts", [result("two", 2)]);
    const first = mergePerformanceDoc(
      undefined,
      new Map([
        ["b.perf.ts", b1],
        ["a.perf.ts", a1],
      ]),
    );
    expect(first.indexOf("## a.perf.ts")).toBeLessThan(first.indexOf("## b.perf.ts"));
    const a2 = renderSection("a.perf.ts", [result("one again", 9)]);
    const second = mergePerformanceDoc(first, new Map([["a.perf.ts", a2]]));
    expect(second).toContain("one again");
    expect(second).not.toContain("| one | 1.000");
    expect(second).toContain("| two | 2.000");
    expect(mergePerformanceDoc(second, new Map())).toBe(second);
  });
});
