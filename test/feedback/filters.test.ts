import { describe, expect, it } from "vitest";
import { applyFilters, buildFilters, type StoredFeedbackEvent } from "../../src/feedback/index.ts";
import { stored } from "./stored-events.ts";

const T = 1_700_000_000_000;

function run(events: StoredFeedbackEvent[], config: Record<string, unknown> = {}) {
  const { kept, reports } = applyFilters(events, buildFilters(config));
  const by = Object.fromEntries(reports.map((r) => [r.name, r]));
  return { kept, by };
}

/** A plausible human: irregular gaps of seconds to minutes. */
function human(user: string, n: number, start = T): StoredFeedbackEvent[] {
  let t = start;
  const gaps = [4000, 17000, 9000, 31000, 6000, 52000, 12000, 3000, 25000, 8000];
  return Array.from({ length: n }, (_, i) => {
    t += gaps[i % gaps.length] as number;
    return stored("copy", { chars: i }, { user_id: user, ts: t, candidate_id: `c-${user}-${i}` });
  });
}

describe("filters", () => {
  it("every filter reports its count and examples, and humans pass them all", () => {
    const { kept, by } = run(human("alice", 40));
    expect(kept).toHaveLength(40);
    expect(Object.keys(by)).toEqual([
      "test_accounts",
      "clock_skew",
      "duplicates",
      "bursts",
      "bot_like",
      "impossible_timing",
      "short_sessions",
      "unexamined",
      "per_user_cap",
    ]);
    for (const r of Object.values(by)) expect(r).toMatchObject({ dropped: 0, examples: [] });
  });

  it("drops machine-regular and machine-fast users whole", () => {
    const regular = Array.from({ length: 30 }, (_, i) =>
      stored("copy", {}, { user_id: "metronome", ts: T + i * 5000, candidate_id: `m${i}` }),
    );
    const fast = Array.from({ length: 30 }, (_, i) =>
      stored("copy", {}, { user_id: "speedy", ts: T + i * 300 + (i % 3) * 50, candidate_id: `s${i}` }),
    );
    const { kept, by } = run([...human("alice", 30), ...regular, ...fast], { bursts: { enabled: false } });
    expect(kept.every((e) => e.user_id === "alice")).toBe(true);
    expect(by.bot_like?.dropped).toBe(60);
    expect(by.bot_like?.examples[0]?.reason).toMatch(/regular|median gap/);
  });

  it("drops bursts but not the user's calm events", () => {
    const calm = human("bob", 10);
    const burst = Array.from({ length: 80 }, (_, i) =>
      stored("copy", {}, { user_id: "bob", ts: T + 10_000_000 + i * 400 + (i % 7) * 37, candidate_id: `b${i}` }),
    );
    const { kept, by } = run([...calm, ...burst], { bot_like: { enabled: false } });
    expect(by.bursts?.dropped).toBe(80);
    expect(kept).toHaveLength(10);
  });

  it("drops impossible timing, clock skew, duplicates, test accounts and short sessions", () => {
    const events = [
      ...human("carol", 12),
      stored("dwell", { visible_ms: 90_000, wall_ms: 10_000 }, { user_id: "carol", candidate_id: "d1" }),
      stored("copy", {}, { user_id: "carol", ts: T + 5, time_flags: ["ts_future"] }),
      stored("copy", {}, { user_id: "carol", skew_ms: 3 * 86_400_000 }),
      stored("copy", { chars: 1 }, { user_id: "carol", ts: T + 777, candidate_id: "dup", created_at_client: 5 }),
      stored("copy", { chars: 1 }, { user_id: "carol", ts: T + 777, candidate_id: "dup", created_at_client: 5 }),
      ...human("test-dave", 12),
      stored("session_start", { account: "admin" }, { user_id: "erin" }),
      stored("copy", {}, { user_id: "frank", session_id: "s1" }),
    ];
    const { by } = run(events);
    expect(by.impossible_timing).toMatchObject({ dropped: 1 });
    expect(by.clock_skew?.dropped).toBe(2);
    expect(by.duplicates?.dropped).toBe(1);
    expect(by.test_accounts?.dropped).toBe(13);
    expect(by.short_sessions).toMatchObject({ dropped: 1, examples: [{ reason: "session of 1 events" }] });
  });

  it("drops verdicts on unexamined replies and caps heavy users per day", () => {
    const events = [
      stored("exposure", { visible_ms: 400, max_visible_fraction: 1, words: 50 }, { candidate_id: "glimpsed" }),
      stored("regenerate", { replaced_candidate_id: "glimpsed" }, {}),
      stored("rate", { scale: "thumbs", value: -1 }, { candidate_id: "never-shown" }),
      stored("exposure", { visible_ms: 20_000, max_visible_fraction: 1, words: 50 }, { candidate_id: "read" }),
      stored("rate", { scale: "thumbs", value: 1 }, { candidate_id: "read" }),
      stored("leave", { before_stream_end: true }, { candidate_id: "read" }),
    ];
    const { by, kept } = run(events, { bot_like: { enabled: false } });
    expect(by.unexamined?.dropped).toBe(3);
    expect(kept.map((e) => e.type)).toEqual(["exposure", "exposure", "rate"]);
    const capped = run(human("heavy", 30), { per_user_cap: { max_events_per_day: 10 } });
    expect(capped.by.per_user_cap?.dropped).toBeGreaterThan(0);
    expect(capped.kept.length).toBeLessThan(30);
  });

  it("can be switched off and reconfigured by name", () => {
    expect(buildFilters({ bursts: { enabled: false } }).map((f) => f.name)).not.toContain("bursts");
    expect(buildFilters({ bursts: { max_events: 5 } }).find((f) => f.name === "bursts")?.config).toMatchObject({
      max_events: 5,
      window_ms: 60_000,
    });
  });
});
