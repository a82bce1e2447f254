import { describe, expect, it } from "vitest";
import {
  contentWords,
  formatDuration,
  formatStoryTime,
  parseDuration,
  parseStoryTime,
  scoreMemories,
  userAgencyBreaches,
} from "../../src/world/index.ts";

describe("story time", () => {
  it("is integer minutes since the epoch, shown as day D HH:MM", () => {
    expect(formatStoryTime(0)).toBe("day 1 00:00");
    expect(formatStoryTime(2 * 1440 + 14 * 60 + 5)).toBe("day 3 14:05");
    expect(parseStoryTime("day 3 14:05")).toBe(2 * 1440 + 14 * 60 + 5);
    expect(parseStoryTime("d2")).toBe(1440);
    expect(parseStoryTime("+2h", 100)).toBe(220);
    expect(parseDuration("1d 3h")).toBe(1440 + 180);
    expect(formatDuration(1440 + 185)).toBe("1d 3h 5m");
    expect(() => parseStoryTime("tomorrow")).toThrow(/not a story time/);
    expect(() => parseDuration("soon")).toThrow(/not a story duration/);
  });
});

describe("retrieval score", () => {
  const base = { turn: 10, storyTime: 600, importance: 3 };
  it("ranks by recency, importance and relevance, each min–max normalised, and shows the parts", () => {
    const ranked = scoreMemories(
      [
        { ...base, id: "old-trivial", text: "Mara ate bread", turn: 1, storyTime: 0, importance: 1 },
        { ...base, id: "relevant", text: "The dragon burned the harbor", importance: 3 },
        { ...base, id: "important", text: "Joel betrayed Mara", turn: 5, storyTime: 300, importance: 10 },
      ],
      { nowTurn: 12, nowStoryTime: 700, query: "Is the dragon near the harbor?" },
    );
    expect(ranked.map((m) => m.id)).toEqual(["relevant", "important", "old-trivial"]);
    const top = ranked[0];
    expect(top?.score.relevance).toBe(1);
    expect(top?.score.recency).toBe(1);
    expect(ranked[2]?.score.total).toBe(0);
    expect(ranked[1]?.score.importance).toBe(1);
  });

  it("gives 0.5 to a component on which every candidate ties, and splits Chinese text into words", () => {
    const ranked = scoreMemories(
      [
        { ...base, id: "a", text: "x" },
        { ...base, id: "b", text: "y" },
      ],
      { nowTurn: 10, nowStoryTime: 600, query: "" },
    );
    expect(ranked[0]?.score).toEqual({ recency: 0.5, importance: 0.5, relevance: 0.5, total: 1.5 });
    expect(contentWords("龙烧毁了港口").length).toBeGreaterThan(1);
  });
});

describe("user agency detector", () => {
  it("flags lines that speak or act for the user, and leaves the character's own lines alone", () => {
    expect(userAgencyBreaches("Alex nods and follows.", "Alex")).toHaveLength(1);
    expect(userAgencyBreaches("She smiles.\nAlex: Sure!", "Alex")).toHaveLength(1);
    expect(userAgencyBreaches('"Come," she says. You decide to follow her.', "Alex")).toHaveLength(1);
    expect(userAgencyBreaches("I look at Alex and smile. Do you want tea?", "Alex")).toEqual([]);
  });
});
