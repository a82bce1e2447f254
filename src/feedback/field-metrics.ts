import { type Interval, percentileBootstrap, quantile, wilsonInterval } from "../stats/index.ts";
import type { StoredFeedbackEvent } from "./event-schema.ts";

/** One model version (serving policy) in one period. */
export interface FieldRow {
  policy: string;
  /** Period start (UTC, ISO date). */
  period: string;
  /** Assistant turns served (distinct messages with an exposure, swipe or reply). */
  turns: number;
  /** Share of turns with at least one regenerate. */
  regenerateRate: Interval | null;
  /** Share of turns whose reply was edited. */
  editRate: Interval | null;
  /** Share of turns after which the user left. */
  leaveRate: Interval | null;
  /** Sessions that started on this policy. */
  sessions: number;
  /** Median active session length in minutes, with a bootstrap interval. */
  sessionMinutes: Interval | null;
}

/** Field dashboard: behaviour per model version over time, from the event log alone. */
export interface FieldDashboard {
  periodDays: number;
  rows: FieldRow[];
  /** What the event log cannot show and needs served texts plus the bench's detectors. */
  notCovered: string[];
}

interface Turn {
  policy: string;
  day: number;
  regenerated: boolean;
  edited: boolean;
  left: boolean;
}

const rate = (k: number, n: number): Interval | null => (n > 0 ? wilsonInterval(k, n) : null);

/**
 * Regenerate, edit and leave rates (Wilson 95% intervals, turns treated as independent) and median active session
 * length (percentile bootstrap) per serving policy and period. Pure: events in, rows out.
 */
export function fieldDashboard(
  events: readonly StoredFeedbackEvent[],
  options: { periodDays?: number; seed?: string } = {},
): FieldDashboard {
  const periodMs = (options.periodDays ?? 1) * 86_400_000;
  const turns = new Map<string, Turn>();
  const firstPolicy = new Map<string, string>();
  const sessionLength = new Map<string, { start: number; activeMs: number }>();
  for (const e of events) {
    const sessionKey = e.session_id ? `${e.owner_id}\u0000${e.user_id}\u0000${e.session_id}` : undefined;
    if (sessionKey) {
      const s = sessionLength.get(sessionKey) ?? { start: e.ts, activeMs: 0 };
      s.start = Math.min(s.start, e.ts);
      if (e.type === "session_end")
        s.activeMs = Math.max(s.activeMs, e.payload.active_ms ?? e.payload.duration_ms ?? 0);
      sessionLength.set(sessionKey, s);
      if (e.policy_id && !firstPolicy.has(sessionKey)) firstPolicy.set(sessionKey, e.policy_id);
    }
    if (!e.message_id || !e.policy_id) continue;
    const key = `${e.owner_id}\u0000${e.message_id}`;
    let turn = turns.get(key);
    if (!turn) {
      turn = { policy: e.policy_id, day: Math.floor(e.ts / periodMs), regenerated: false, edited: false, left: false };
      turns.set(key, turn);
    }
    if (e.type === "regenerate") turn.regenerated = true;
    else if (e.type === "edit") turn.edited = true;
    else if (e.type === "leave") turn.left = true;
  }
  const cells = new Map<string, { policy: string; day: number; turns: Turn[]; sessions: number[] }>();
  const cell = (policy: string, day: number) => {
    const k = `${policy}\u0000${day}`;
    let c = cells.get(k);
    if (!c) {
      c = { policy, day, turns: [], sessions: [] };
      cells.set(k, c);
    }
    return c;
  };
  for (const t of turns.values()) cell(t.policy, t.day).turns.push(t);
  for (const [key, s] of sessionLength) {
    const policy = firstPolicy.get(key);
    if (policy && s.activeMs > 0) cell(policy, Math.floor(s.start / periodMs)).sessions.push(s.activeMs / 60_000);
  }
  const rows = [...cells.values()]
    .sort((a, b) => a.day - b.day || (a.policy < b.policy ? -1 : 1))
    .map((c): FieldRow => {
      const n = c.turns.length;
      const median = (xs: readonly number[]) => quantile([...xs], 0.5);
      return {
        policy: c.policy,
        period: new Date(c.day * periodMs).toISOString().slice(0, 10),
        turns: n,
        regenerateRate: rate(c.turns.filter((t) => t.regenerated).length, n),
        editRate: rate(c.turns.filter((t) => t.edited).length, n),
        leaveRate: rate(c.turns.filter((t) => t.left).length, n),
        sessions: c.sessions.length,
        sessionMinutes:
          c.sessions.length > 0
            ? percentileBootstrap(c.sessions, {
                seed: `${options.seed ?? "field"}:${c.policy}:${c.day}`,
                resamples: 1000,
                statistic: median,
              })
            : null,
      };
    });
  return {
    periodDays: options.periodDays ?? 1,
    rows,
    notCovered: [
      "crash and garbled output, repetition, silence and speaking for the user: these need the served texts run through the bench's detectors",
    ],
  };
}

const fmt = (i: Interval | null, scale = 100, digits = 1) =>
  i
    ? `${(i.estimate * scale).toFixed(digits)} <small>[${(i.lower * scale).toFixed(digits)}, ${(i.upper * scale).toFixed(digits)}]</small>`
    : "–";

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** A self-contained HTML page of the dashboard (no scripts, no external assets). */
export function fieldDashboardHtml(d: FieldDashboard): string {
  const rows = d.rows
    .map(
      (r) =>
        `<tr><td>${escapeHtml(r.period)}</td><td>${escapeHtml(r.policy)}</td><td>${r.turns}</td><td>${fmt(r.regenerateRate)}</td><td>${fmt(r.editRate)}</td><td>${fmt(r.leaveRate)}</td><td>${r.sessions}</td><td>${fmt(r.sessionMinutes, 1)}</td></tr>`,
    )
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>troupe field dashboard</title>
<style>body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse}td,th{padding:.3rem .6rem;border-bottom:1px solid #ddd;text-align:right}td:nth-child(2),th:nth-child(2),td:first-child,th:first-child{text-align:left}small{color:#777}</style>
</head><body>
<h1>Field dashboard</h1>
<p>Per serving policy (model version) and ${d.periodDays}-day period. Rates are % of assistant turns with Wilson 95% intervals; session length is the median active minutes with a bootstrap 95% interval.</p>
<table><thead><tr><th>period</th><th>policy</th><th>turns</th><th>regenerate %</th><th>edit %</th><th>leave %</th><th>sessions</th><th>session min</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<p><small>Not covered yet: ${d.notCovered.map(escapeHtml).join("; ")}.</small></p>
</body></html>
`;
}
