import { describe, expect, it } from "vitest";
import { fieldDashboard, fieldDashboardHtml } from "../../src/feedback/index.ts";
import { stored } from "./stored-events.ts";

const DAY = 86_400_000;
const T = 20_000 * DAY;

describe("field dashboard", () => {
  it("rates regenerates, edits and leaves per policy and day, with intervals", () => {
    const events = [];
    for (let i = 0; i < 10; i++) {
      const m = { message_id: `a${i}`, policy_id: "model-v1", session_id: "s1", ts: T + i * 1000 };
      events.push(stored("exposure", { visible_ms: 2000, max_visible_fraction: 1 }, m));
      if (i < 3) events.push(stored("regenerate", {}, m));
      if (i === 4) events.push(stored("edit", { original_chars: 10, edited_chars: 12, edit_distance: 4 }, m));
    }
    events.push(stored("session_end", { active_ms: 600_000 }, { session_id: "s1", ts: T + 20_000 }));
    for (let i = 0; i < 4; i++) {
      const m = { message_id: `b${i}`, policy_id: "model-v2", ts: T + DAY + i * 1000 };
      events.push(stored("reply", { chosen_candidate_id: `c${i}` }, m));
      if (i === 0) events.push(stored("leave", {}, m));
    }
    const d = fieldDashboard(events);
    expect(d.rows.map((r) => [r.period, r.policy, r.turns])).toEqual([
      [new Date(T).toISOString().slice(0, 10), "model-v1", 10],
      [new Date(T + DAY).toISOString().slice(0, 10), "model-v2", 4],
    ]);
    const [v1, v2] = d.rows;
    expect(v1?.regenerateRate?.estimate).toBeCloseTo(0.3);
    expect(v1?.regenerateRate?.lower).toBeLessThan(0.3);
    expect(v1?.regenerateRate?.upper).toBeGreaterThan(0.3);
    expect(v1?.editRate?.estimate).toBeCloseTo(0.1);
    expect(v1?.sessions).toBe(1);
    expect(v1?.sessionMinutes?.estimate).toBe(10);
    expect(v2?.leaveRate?.estimate).toBeCloseTo(0.25);
    expect(v2?.sessionMinutes).toBeNull();
    const html = fieldDashboardHtml(d);
    expect(html).toContain("<td>model-v2</td>");
    expect(html).toContain("30.0 <small>[");
    expect(d.notCovered[0]).toContain("detectors");
  });
});
