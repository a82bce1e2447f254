import { type Interval, percentileBootstrap, quantile, wilsonInterval } from "../stats/index.ts";
import type { StoredFeedbackEvent } from "./event-schema.ts";
import { REPLY_FLAWS, type ReplyFlaw, type ServedReply } from "./served-quality.ts";

/** One model version (serving policy) in one period. */
export interface FieldRow {
  policy: string;
  /** Period start (UTC, ISO date). */
  period: string;
  /** Replies people acted on (distinct candidates, or messages without one, with an exposure, swipe or reply). */
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
  /** Replies served in troupe's chats (candidate log) and checked by the detectors. */
  replies: number;
  /** Share of served replies that ended in an error or interruption (not a stop by the person). */
  crashRate: Interval | null;
  /** Share of served replies with garbled text (bench detector garbled-text). */
  garbledRate: Interval | null;
  /** Share repeating themselves within the reply or nearly repeating an earlier reply (within-turn-repetition, loop). */
  repetitionRate: Interval | null;
  /** Share empty, a word or two, or ending on a goodbye with no hook (silence). */
  silenceRate: Interval | null;
  /** Share acting or speaking for the user (speaks-for-user). */
  speaksForUserRate: Interval | null;
}

/** Field dashboard: behaviour and reply flaws per model version over time. */
export interface FieldDashboard {
  periodDays: number;
  rows: FieldRow[];
  /** Measures this dashboard could not compute, and why. */
  notCovered: string[];
}

/** Inputs of the field dashboard beyond the event log. */
export interface FieldDashboardOptions {
  periodDays?: number;
  seed?: string;
  /** Served replies with their detector flaws (readServedReplies); without them the flaw rates are empty. */
  served?: readonly ServedReply[];
  /** Candidate id → serving policy, for events that name a candidate but no policy (the web app's). */
  policyOf?: ReadonlyMap<string, string>;
}

interface Turn {
  policy: string;
  day: number;
  regenerated: boolean;
  edited: boolean;
  left: boolean;
}

const rate = (k: number, n: number): Interval | null => (n > 0 ? wilsonInterval(k, n) : null);

/** The reply an event is about: its candidate (an edit's or regenerate's original), else its message. */
function turnId(e: StoredFeedbackEvent): string | undefined {
  if (e.type === "edit") return e.payload.original_candidate_id ?? e.candidate_id ?? e.message_id;
  if (e.type === "regenerate") return e.payload.replaced_candidate_id ?? e.candidate_id ?? e.message_id;
  return e.candidate_id ?? e.message_id;
}

const FLAW_FIELD: Record<
  ReplyFlaw,
  "crashRate" | "garbledRate" | "repetitionRate" | "silenceRate" | "speaksForUserRate"
> = {
  crash: "crashRate",
  garbled: "garbledRate",
  repetition: "repetitionRate",
  silence: "silenceRate",
  speaks_for_user: "speaksForUserRate",
};

/**
 * Per serving policy and period: regenerate, edit and leave rates (Wilson 95% intervals, turns treated as
 * independent) and median active session length (percentile bootstrap) from the event log; crash, garbled,
 * repetition, silence and speaking-for-the-user rates (Wilson) over the served replies. Pure: data in, rows out.
 */
export function fieldDashboard(
  events: readonly StoredFeedbackEvent[],
  options: FieldDashboardOptions = {},
): FieldDashboard {
  const periodMs = (options.periodDays ?? 1) * 86_400_000;
  const turns = new Map<string, Turn>();
  const firstPolicy = new Map<string, string>();
  const sessionLength = new Map<string, { start: number; activeMs: number }>();
  for (const e of events) {
    const id = turnId(e);
    const policy =
      e.policy_id ??
      (e.candidate_id ? options.policyOf?.get(e.candidate_id) : undefined) ??
      (id ? options.policyOf?.get(id) : undefined);
    const sessionKey = e.session_id ? `${e.owner_id}\u0000${e.user_id}\u0000${e.session_id}` : undefined;
    if (sessionKey) {
      const s = sessionLength.get(sessionKey) ?? { start: e.ts, activeMs: 0 };
      s.start = Math.min(s.start, e.ts);
      if (e.type === "session_end")
        s.activeMs = Math.max(s.activeMs, e.payload.active_ms ?? e.payload.duration_ms ?? 0);
      sessionLength.set(sessionKey, s);
      if (policy && !firstPolicy.has(sessionKey)) firstPolicy.set(sessionKey, policy);
    }
    if (!id || !policy) continue;
    const key = `${e.owner_id}\u0000${id}`;
    let turn = turns.get(key);
    if (!turn) {
      turn = { policy, day: Math.floor(e.ts / periodMs), regenerated: false, edited: false, left: false };
      turns.set(key, turn);
    }
    if (e.type === "regenerate") turn.regenerated = true;
    else if (e.type === "edit") turn.edited = true;
    else if (e.type === "leave") turn.left = true;
  }
  interface Cell {
    policy: string;
    day: number;
    turns: Turn[];
    sessions: number[];
    replies: number;
    flaws: Record<ReplyFlaw, number>;
  }
  const cells = new Map<string, Cell>();
  const cell = (policy: string, day: number) => {
    const k = `${policy}\u0000${day}`;
    let c = cells.get(k);
    if (!c) {
      c = {
        policy,
        day,
        turns: [],
        sessions: [],
        replies: 0,
        flaws: { crash: 0, garbled: 0, repetition: 0, silence: 0, speaks_for_user: 0 },
      };
      cells.set(k, c);
    }
    return c;
  };
  for (const t of turns.values()) cell(t.policy, t.day).turns.push(t);
  for (const [key, s] of sessionLength) {
    const policy = firstPolicy.get(key);
    if (policy && s.activeMs > 0) cell(policy, Math.floor(s.start / periodMs)).sessions.push(s.activeMs / 60_000);
  }
  for (const r of options.served ?? []) {
    const c = cell(r.policy, Math.floor(r.createdAt / periodMs));
    c.replies++;
    for (const f of r.flaws) c.flaws[f]++;
  }
  const rows = [...cells.values()]
    .sort((a, b) => a.day - b.day || (a.policy < b.policy ? -1 : 1))
    .map((c): FieldRow => {
      const n = c.turns.length;
      const median = (xs: readonly number[]) => quantile([...xs], 0.5);
      const row: FieldRow = {
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
        replies: c.replies,
        crashRate: null,
        garbledRate: null,
        repetitionRate: null,
        silenceRate: null,
        speaksForUserRate: null,
      };
      for (const f of REPLY_FLAWS) row[FLAW_FIELD[f]] = rate(c.flaws[f], c.replies);
      return row;
    });
  const notCovered: string[] = [];
  if (!options.served)
    notCovered.push("crash, garbled, repetition, silence and speaking for the user: no served replies were read");
  else if (options.served.length === 0)
    notCovered.push(
      "crash, garbled, repetition, silence and speaking for the user: this database holds no replies served by troupe serve",
    );
  return { periodDays: options.periodDays ?? 1, rows, notCovered };
}

/** The measures of a row, in table order: label, field, scale (100 for a share shown in %). */
const MEASURES = [
  ["regenerate %", "regenerateRate", 100],
  ["edit %", "editRate", 100],
  ["leave %", "leaveRate", 100],
  ["crash %", "crashRate", 100],
  ["garbled %", "garbledRate", 100],
  ["repetition %", "repetitionRate", 100],
  ["silence %", "silenceRate", 100],
  ["speaks for user %", "speaksForUserRate", 100],
  ["session min", "sessionMinutes", 1],
] as const;

/**
 * A self-contained HTML page of the dashboard in the bench report's style (its stylesheet and interval charts):
 * a table of every measure with its 95% interval and one interval chart per measure across policies and periods.
 * No scripts, no external assets. Loads the bench's report code on first use.
 */
export async function fieldDashboardHtml(d: FieldDashboard): Promise<string> {
  const { REPORT_CSS, escapeHtml, intervalChart } = await import("../bench/index.ts");
  const cellOf = (i: Interval | null, scale: number) =>
    i
      ? `${(i.estimate * scale).toFixed(1)} <span class="ci">[${(i.lower * scale).toFixed(1)}, ${(i.upper * scale).toFixed(1)}]</span>`
      : `<span class="muted">–</span>`;
  const head = `<tr><th>period</th><th>model version</th><th class="num">turns</th><th class="num">replies</th><th class="num">sessions</th>${MEASURES.map(([label]) => `<th class="num">${escapeHtml(label)}</th>`).join("")}</tr>`;
  const body = d.rows
    .map(
      (r) =>
        `<tr><td>${escapeHtml(r.period)}</td><td class="wrap">${escapeHtml(r.policy)}</td><td class="num">${r.turns}</td><td class="num">${r.replies}</td><td class="num">${r.sessions}</td>${MEASURES.map(([, field, scale]) => `<td class="num">${cellOf(r[field], scale)}</td>`).join("")}</tr>`,
    )
    .join("\n");
  const charts = MEASURES.map(([label, field, scale]) => {
    const points = d.rows
      .filter((r) => r[field])
      .map((r) => {
        const i = r[field] as Interval;
        return {
          label: `${r.period} · ${r.policy}`,
          estimate: i.estimate * scale,
          lower: i.lower * scale,
          upper: i.upper * scale,
        };
      });
    if (points.length === 0) return "";
    const max = scale === 100 ? 100 : Math.max(1, ...points.map((p) => p.upper)) * 1.1;
    return `<section><h2>${escapeHtml(label)}</h2><div class="chart">${intervalChart(points, { min: 0, max, title: label })}</div></section>`;
  }).join("\n");
  const notes = d.notCovered.length
    ? `<p class="warn">Not covered: ${d.notCovered.map(escapeHtml).join("; ")}.</p>`
    : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>troupe field dashboard</title>
<style>${REPORT_CSS}</style>
</head><body>
<header><h1>Field dashboard</h1><div class="muted">Per model version (serving policy) and ${d.periodDays}-day period, from served chats and the feedback event log.</div></header>
<main>
<section><p>Regenerate, edit and leave rates are % of the replies people acted on; crash, garbled, repetition, silence and speaking for the user are % of served replies, found by the bench's detectors; all with Wilson 95% intervals. Session length is the median active minutes with a bootstrap 95% interval.</p>${notes}
<table><thead>${head}</thead>
<tbody>
${body}
</tbody></table></section>
${charts}
</main>
</body></html>
`;
}
