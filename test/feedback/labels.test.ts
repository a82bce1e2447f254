import { describe, expect, it } from "vitest";
import { deriveLabels, type StoredFeedbackEvent, weighSessions } from "../../src/feedback/index.ts";
import { stored } from "./stored-events.ts";

const expose = (id: string, visible_ms: number, words = 40, extra: Record<string, unknown> = {}) =>
  stored("exposure", { visible_ms, max_visible_fraction: 1, words }, { candidate_id: id, ...extra });

/** A swipe deck a, b, c under message m; b and c were swiped to, c was barely seen; a is kept. */
function deck(): StoredFeedbackEvent[] {
  return [
    expose("a", 20_000),
    stored(
      "swipe",
      { from_candidate_id: "a", to_candidate_id: "b", from_position: 0, to_position: 1 },
      { message_id: "m" },
    ),
    expose("b", 15_000),
    stored(
      "swipe",
      { from_candidate_id: "b", to_candidate_id: "c", from_position: 1, to_position: 2 },
      { message_id: "m" },
    ),
    expose("c", 300),
    stored(
      "reply",
      { chosen_candidate_id: "a" },
      { message_id: "m", candidate_ids: ["a", "b", "c"], positions: [0, 1, 2], candidate_id: "a" },
    ),
  ];
}

describe("labels", () => {
  it("pairs the kept swipe only over examined siblings (an unseen sibling is not a loser)", () => {
    const { labels, stats } = deriveLabels(deck());
    const pairs = labels.filter((l) => l.kind === "pair");
    expect(pairs.map((p) => `${p.chosen}>${p.rejected}`)).toEqual(["a>b"]);
    expect(pairs[0]?.positions).toEqual({ chosen: 0, rejected: 1 });
    expect(stats.unseenSiblingsSkipped).toBe(1);
    const naive = deriveLabels(deck(), { examined_only: false }).labels.filter((l) => l.kind === "pair");
    expect(naive.map((p) => `${p.chosen}>${p.rejected}`)).toEqual(["a>b", "a>c"]);
  });

  it("weights edit pairs by edit size and ignores trivial edits", () => {
    const { labels, stats } = deriveLabels([
      stored(
        "edit",
        { original_chars: 200, edited_chars: 201, edit_distance: 2 },
        { message_id: "e1", candidate_id: "o1" },
      ),
      stored(
        "edit",
        { original_chars: 200, edited_chars: 190, edit_distance: 10 },
        { message_id: "e2", candidate_id: "o2" },
      ),
      stored(
        "edit",
        { original_chars: 200, edited_chars: 120, edit_distance: 120 },
        { message_id: "e3", candidate_id: "o3" },
      ),
    ]);
    expect(stats.trivialEditsSkipped).toBe(1);
    const [small, big] = labels;
    expect(small).toMatchObject({ source: "edit", chosen: "e2", rejected: "o2" });
    expect(big).toMatchObject({ chosen: "e3", rejected: "o3", weight: 1 });
    expect(small?.weight).toBeCloseTo(0.4);
  });

  it("makes a regenerate without a choice a weak negative, but not one followed by a choice", () => {
    const { labels } = deriveLabels([
      stored("regenerate", { replaced_candidate_id: "x" }, { message_id: "m1" }),
      stored("regenerate", { replaced_candidate_id: "y" }, { message_id: "m2" }),
      stored("reply", { chosen_candidate_id: "y2" }, { message_id: "m2" }),
    ]);
    const regen = labels.filter((l) => l.source === "regenerate");
    expect(regen).toEqual([expect.objectContaining({ completion: "x", label: false, weight: 0.3 })]);
  });

  it("labels continuation after K replies, leaving, and ratings", () => {
    const events = [
      stored("reply", { chosen_candidate_id: "r1" }, { message_id: "m1" }),
      stored("reply", { chosen_candidate_id: "r2" }, { message_id: "m2" }),
      stored("reply", { chosen_candidate_id: "r3" }, { message_id: "m3" }),
      stored("leave", { reason: "hidden" }, { candidate_id: "r4" }),
      stored("rate", { scale: "stars5", value: 4 }, { candidate_id: "r1" }),
      stored("rate", { scale: "stars5", value: 3 }, { candidate_id: "r2" }),
      stored("rate", { scale: "thumbs", value: -1 }, { candidate_id: "r3" }),
    ];
    const { labels } = deriveLabels(events);
    const unary = (source: string) =>
      labels.filter((l) => l.source === source).map((l) => `${l.completion}:${l.label}`);
    expect(unary("continuation")).toEqual(["r1:true", "r2:true"]);
    expect(unary("leave")).toEqual(["r4:false"]);
    expect(unary("rating")).toEqual(["r1:true", "r2:false", "r3:false"]);
    expect(deriveLabels(events, { continuation_k: 1 }).labels.filter((l) => l.source === "continuation")).toHaveLength(
      3,
    );
  });

  it("counts dwell as liking only when visible, long enough for its length, and followed by engagement", () => {
    // 65 words ≈ 15 s to read at 260 wpm.
    const dwell = (id: string, visible_ms: number, wall_ms: number) =>
      stored("dwell", { visible_ms, wall_ms, words: 65 }, { candidate_id: id });
    const events = [
      dwell("read-and-copied", 14_000, 16_000),
      stored("copy", {}, { candidate_id: "read-and-copied" }),
      dwell("long-but-nothing", 60_000, 60_000),
      dwell("tab-in-background", 2_000, 300_000),
      stored("copy", {}, { candidate_id: "tab-in-background" }),
    ];
    const controlled = deriveLabels(events);
    expect(controlled.labels.filter((l) => l.source === "dwell").map((l) => l.completion)).toEqual(["read-and-copied"]);
    expect(controlled.stats.dwellWithoutEngagement).toBe(1);
    const naive = deriveLabels(events, { dwell: { mode: "naive" } });
    expect(naive.labels.filter((l) => l.source === "dwell").map((l) => l.completion)).toEqual([
      "long-but-nothing",
      "tab-in-background",
    ]);
  });

  it("weights sessions by duration, not turn count", () => {
    const quick = Array.from({ length: 10 }, (_, i) =>
      stored(
        "rate",
        { scale: "thumbs", value: 1 },
        { candidate_id: `q${i}`, session_id: "quick", ts: 1000 + i * 1000 },
      ),
    );
    const slow = [
      stored("rate", { scale: "thumbs", value: 1 }, { candidate_id: "s0", session_id: "slow", ts: 1000 }),
      stored("session_end", { active_ms: 600_000 }, { session_id: "slow", ts: 601_000 }),
    ];
    const events = [...quick, ...slow];
    const weighted = weighSessions(deriveLabels(events).labels, events);
    const w = (id: string) => weighted.find((l) => l.completion === id)?.sessionWeight as number;
    // Ten labels over 9 s share 9 s; one label in a 10-min session gets 10 min.
    expect(w("s0") / w("q0")).toBeCloseTo(600_000 / (9_000 / 10), 3);
    const mean = weighted.reduce((s, l) => s + l.sessionWeight, 0) / weighted.length;
    expect(mean).toBeCloseTo(1);
  });
});
