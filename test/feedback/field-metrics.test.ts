import { describe, expect, it } from "vitest";
import { DETECTORS, runDetectors } from "../../src/bench/index.ts";
import {
  fieldDashboard,
  fieldDashboardHtml,
  type ReplyToCheck,
  replyFlaws,
  type ServedReply,
} from "../../src/feedback/index.ts";
import { stored } from "./stored-events.ts";

const DAY = 86_400_000;
const T = 20_000 * DAY;

const detect = (turns: Parameters<typeof runDetectors>[0]["turns"], aiName: string, userName: string) =>
  runDetectors({ aiName, userName, turns: [...turns] }, DETECTORS);

const history: ReplyToCheck["history"] = [
  { role: "assistant", text: "Welcome to the Drowned Lantern, traveller. Sit by the fire." },
  { role: "user", text: "What news from the harbour?" },
  {
    role: "assistant",
    text: 'Mira wipes a mug and leans closer. "Three ships came in at dawn, and none of them flew a flag." What do you make of that?',
  },
  { role: "user", text: "Strange. Who sails without colours?" },
];
const check = (text: string, more: Partial<ReplyToCheck> = {}) =>
  replyFlaws(
    { text, status: "complete", finishReason: "stop", history, aiName: "Mira", userName: "Ada", ...more },
    detect,
  );

describe("served reply flaws (the bench's detectors)", () => {
  it("finds crashes, garbled text, repetition, silence and speaking for the user, and nothing in a good reply", () => {
    expect(
      check(
        'Mira lowers her voice. "Smugglers, most likely, or worse: the Grey Fleet was said to be sunk years ago." Do you want me to ask around?',
      ),
    ).toEqual([]);
    expect(check("Three ships came", { status: "incomplete", finishReason: "error" })).toContain("crash");
    // Stopped by the person: not a crash.
    expect(check("Mira lowers her voice and", { status: "incomplete", finishReason: "aborted" })).not.toContain(
      "crash",
    );
    expect(check("Mira says xqzvbnmwrtplkjhgfdszxcvbnmqwrtplkjhg and smiles.")).toContain("garbled");
    expect(
      check(
        'Mira wipes a mug and leans closer. "Three ships came in at dawn, and none of them flew a flag." What do you make of that?',
      ),
    ).toContain("repetition");
    expect(check("...")).toContain("silence");
    expect(check('*Ada nods slowly and takes the mug from Mira.* "Then we leave tonight," Ada says.')).toContain(
      "speaks_for_user",
    );
  });
});

describe("field dashboard", () => {
  it("rates regenerates, edits and leaves per policy and day, with intervals", async () => {
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
    expect(v1?.crashRate).toBeNull();
    expect(d.notCovered[0]).toContain("no served replies");
    const html = await fieldDashboardHtml(d);
    expect(html).toContain('<td class="wrap">model-v2</td>');
    expect(html).toContain('30.0 <span class="ci">[');
  });

  it("adds detector rates over served replies, and finds the policy of web events through the candidate log", async () => {
    const served: ServedReply[] = [];
    for (let i = 0; i < 20; i++)
      served.push({
        candidateId: `k${i}`,
        chatId: "c",
        policy: "model-v3",
        createdAt: T + i,
        flaws: i < 2 ? ["crash"] : i < 7 ? ["silence", "repetition"] : [],
      });
    // The web app names the candidate, not the policy; an edit names the original candidate in its payload.
    const events = [
      stored(
        "exposure",
        { visible_ms: 2000, max_visible_fraction: 1 },
        { candidate_id: "k0", message_id: "m0", ts: T },
      ),
      stored(
        "exposure",
        { visible_ms: 2000, max_visible_fraction: 1 },
        { candidate_id: "k1", message_id: "m1", ts: T },
      ),
      stored(
        "edit",
        { original_candidate_id: "k1", original_chars: 10, edited_chars: 30, edit_distance: 20 },
        {
          message_id: "m1-edit",
          ts: T + 5,
        },
      ),
    ];
    const d = fieldDashboard(events, { served, policyOf: new Map(served.map((r) => [r.candidateId, r.policy])) });
    expect(d.notCovered).toEqual([]);
    expect(d.rows).toHaveLength(1);
    const row = d.rows[0];
    expect(row).toMatchObject({ policy: "model-v3", replies: 20, turns: 2 });
    expect(row?.editRate?.estimate).toBeCloseTo(0.5);
    expect(row?.crashRate?.estimate).toBeCloseTo(0.1);
    expect(row?.silenceRate?.estimate).toBeCloseTo(0.25);
    expect(row?.repetitionRate?.estimate).toBeCloseTo(0.25);
    expect(row?.garbledRate?.estimate).toBe(0);
    expect(row?.garbledRate?.upper).toBeGreaterThan(0);
    const html = await fieldDashboardHtml(d);
    expect(html).toContain("<h2>silence %</h2>");
    expect(html).toContain("<svg");
    expect(html).not.toContain("<script");
  });
});
