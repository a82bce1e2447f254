import { describe, expect, it } from "vitest";
import {
  DEFAULT_CLOCK_POLICY,
  deriveEventTime,
  FEEDBACK_EVENT_TYPES,
  FeedbackBatchSchema,
  parseFeedbackEvent,
} from "../../src/feedback/index.ts";

const base = { event_id: "e-1", created_at_client: 1_700_000_000_000 };

/** One valid example per type: the schema must accept every type the docs list. */
const EXAMPLES: Record<string, Record<string, unknown>> = {
  exposure: { visible_ms: 1200, max_visible_fraction: 0.8, words: 40 },
  dwell: { visible_ms: 9000, wall_ms: 20000, read_ms: 7000, stream_ms: 2000 },
  swipe: { to_position: 1, from_position: 0, direction: "right", generated: true },
  regenerate: { replaced_candidate_id: "c1", visible_ms: 3000 },
  edit: { original_chars: 100, edited_chars: 90, edit_distance: 12 },
  copy: { chars: 30 },
  continue: { added_chars: 200 },
  rate: { scale: "stars5", value: 4 },
  reply: { chosen_candidate_id: "c2", chars: 50, latency_ms: 8000 },
  leave: { reason: "hidden", idle_ms: 1_800_000 },
  session_start: { client: "web", account: "user" },
  session_end: { duration_ms: 600_000, active_ms: 400_000 },
};

describe("feedback event schema v1", () => {
  it("accepts one example of every event type", () => {
    expect(Object.keys(EXAMPLES).sort()).toEqual([...FEEDBACK_EVENT_TYPES].sort());
    for (const type of FEEDBACK_EVENT_TYPES) {
      const result = parseFeedbackEvent({
        ...base,
        type,
        chat_id: "chat-1",
        candidate_ids: ["c1", "c2"],
        positions: [0, 1],
        propensity: 0.5,
        payload: EXAMPLES[type],
      });
      expect(result.ok, `${type}: ${result.ok ? "" : result.message}`).toBe(true);
    }
  });

  it("names the field that is wrong", () => {
    const noType = parseFeedbackEvent({ ...base, payload: {} });
    expect(noType.ok).toBe(false);
    const badRate = parseFeedbackEvent({ ...base, type: "rate", payload: { scale: "thumbs", value: 3 } });
    expect(badRate).toMatchObject({ ok: false, message: expect.stringContaining("payload.value") });
    const badId = parseFeedbackEvent({ ...base, event_id: "has space", type: "copy", payload: {} });
    expect(badId).toMatchObject({ ok: false, message: expect.stringContaining("event_id") });
    const badPropensity = parseFeedbackEvent({ ...base, type: "copy", propensity: 0, payload: {} });
    expect(badPropensity).toMatchObject({ ok: false, message: expect.stringContaining("propensity") });
    const wrongVersion = parseFeedbackEvent({ ...base, schema_version: 2, type: "copy", payload: {} });
    expect(wrongVersion).toMatchObject({ ok: false, message: expect.stringContaining("schema_version") });
  });

  it("batch schema leaves per-event validation to ingest", () => {
    expect(FeedbackBatchSchema.safeParse({ events: [{ nonsense: true }] }).success).toBe(true);
    expect(FeedbackBatchSchema.safeParse({ events: [] }).success).toBe(false);
  });
});

describe("clock-skew correction", () => {
  it("cancels a constant client offset and keeps client intervals", () => {
    // Client clock 1 h fast: created 10 s before sending, received 200 ms after sending (server clock).
    const offset = 3_600_000;
    const receivedAt = 1_700_000_000_000;
    const sent = receivedAt - 200 + offset;
    const created = sent - 10_000;
    const time = deriveEventTime(created, sent, receivedAt);
    expect(time.ts).toBe(receivedAt - 10_000);
    expect(time.skewMs).toBe(-offset + 200);
    expect(time.flags).toEqual([]);
  });

  it("flags uncorrectable, inconsistent, future and old times", () => {
    const now = 1_700_000_000_000;
    expect(deriveEventTime(now - 1000, undefined, now).flags).toEqual(["ts_uncorrected"]);
    const future = deriveEventTime(now + 3_600_000, undefined, now);
    expect(future.flags).toContain("ts_future");
    expect(future.ts).toBe(now);
    const inconsistent = deriveEventTime(now, now - 5000, now);
    expect(inconsistent).toMatchObject({ ts: now, flags: ["ts_inconsistent"] });
    const old = deriveEventTime(now - 8 * 86_400_000, now, now);
    expect(old.flags).toEqual(["ts_old"]);
    const historical = deriveEventTime(now - 800 * 86_400_000, undefined, now, {
      ...DEFAULT_CLOCK_POLICY,
      maxAgeMs: Number.POSITIVE_INFINITY,
    });
    expect(historical.flags).toEqual(["ts_uncorrected"]);
  });
});
