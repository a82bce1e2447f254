// The pure parts of the web app's signal capture, run in Node: the edit distance an `edit` event reports (its size
// weighs edit pairs in `troupe learn`) and the word count exposure and dwell carry.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { editDistance, wordCount } from "../../web/src/signals/edit-distance.ts";

/** The textbook Levenshtein table, for comparison. */
function naive(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length]![b.length]!;
}

describe("signal math", () => {
  it("edit distance equals Levenshtein's", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.string({ maxLength: 40 }), (a, b) => {
        expect(editDistance(a, b)).toBe(naive(a, b));
      }),
      { numRuns: 500 },
    );
    expect(editDistance("She smiles.", "She smiles warmly.")).toBe(7);
    expect(editDistance("", "abc")).toBe(3);
  });

  it("a small edit of a huge reply is exact and quick (common prefix and suffix are trimmed first)", () => {
    const long = "word ".repeat(50_000);
    expect(editDistance(long, `${long.slice(0, 1000)}X${long.slice(1000)}`)).toBe(1);
  });

  it("counts words, and CJK characters one by one", () => {
    expect(wordCount("Hello there, traveller — it's late.")).toBe(5);
    expect(wordCount("你好世界")).toBe(4);
    expect(wordCount("")).toBe(0);
  });
});
