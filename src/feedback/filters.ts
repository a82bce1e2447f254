import * as z from "zod";
import type { StoredFeedbackEvent } from "./event-schema.ts";
import { DEFAULT_EXPOSURE_RULE, examinedCandidates, expectedReadMs } from "./exposure.ts";

/** One event a filter dropped, and why. */
export interface FilterDrop {
  index: number;
  reason: string;
}

/** A named, configurable rule over a whole event log (it may look at a user's or session's other events). */
export interface EventFilter {
  name: string;
  description: string;
  config: Record<string, unknown>;
  run(events: readonly StoredFeedbackEvent[]): FilterDrop[];
}

/** What one filter did: how many events it dropped and a few examples. */
export interface FilterReport {
  name: string;
  description: string;
  config: Record<string, unknown>;
  /** Events it saw (after the filters before it). */
  input: number;
  dropped: number;
  examples: Array<{ event_id: string; user_id: string; type: string; reason: string }>;
  /** Every dropped event id, only when asked for (`collectDropped`): for scoring filters against known truth. */
  droppedIds?: string[];
}

const enabled = z.boolean().default(true);

/** Every filter's settings, with defaults (proposed values from reference/online-learning.md §1.4, tunable). */
export const FilterConfigSchema = z.object({
  test_accounts: z
    .object({
      enabled,
      user_ids: z.array(z.string()).default([]),
      /** Regular expression over user ids. */
      user_pattern: z.string().default("^(test|admin|qa|bot)[-_:.]"),
      /** Accounts declared as these kinds in session_start are dropped whole. */
      accounts: z.array(z.enum(["test", "admin", "bot"])).default(["test", "admin", "bot"]),
    })
    .prefault({}),
  clock_skew: z
    .object({
      enabled,
      flags: z.array(z.string()).default(["ts_future", "ts_inconsistent"]),
      /** |received_at − sent_at_client| beyond this (ms) is a broken clock. */
      max_skew_ms: z.number().default(86_400_000),
    })
    .prefault({}),
  duplicates: z.object({ enabled }).prefault({}),
  bot_like: z
    .object({
      enabled,
      /** A user needs at least this many events to be judged. */
      min_events: z.number().int().default(20),
      /** Median gap between a user's distinct event times below this (ms) is machine speed. */
      min_median_gap_ms: z.number().default(800),
      /** Coefficient of variation of the gaps below this is machine regularity (people are irregular). */
      max_gap_cv: z.number().default(0.2),
      /** More regenerates than this in any minute. */
      max_regenerates_per_minute: z.number().default(20),
    })
    .prefault({}),
  bursts: z
    .object({
      enabled,
      window_ms: z.number().default(60_000),
      /** More events than this from one user inside one window is a burst; all its events are dropped. */
      max_events: z.number().int().default(60),
    })
    .prefault({}),
  impossible_timing: z
    .object({
      enabled,
      /** Slack for rounding between client timers (ms). */
      tolerance_ms: z.number().default(1000),
      /** A rating of a reply seen for less time than reading it at this speed takes is a judgement before reading. */
      max_words_per_minute: z.number().default(1500),
    })
    .prefault({}),
  short_sessions: z
    .object({
      enabled,
      min_duration_ms: z.number().default(5000),
      min_events: z.number().int().default(3),
    })
    .prefault({}),
  unexamined: z
    .object({
      enabled,
      /** Actions that are a verdict on a reply only if the reply was examined. */
      types: z.array(z.string()).default(["regenerate", "rate", "leave"]),
    })
    .prefault({}),
  per_user_cap: z
    .object({
      enabled,
      /** Events per user per UTC day kept (earliest first), so heavy users do not dominate. */
      max_events_per_day: z.number().int().default(2000),
    })
    .prefault({}),
});

export type FilterConfig = z.infer<typeof FilterConfigSchema>;

function groupIndexes(events: readonly StoredFeedbackEvent[], key: (e: StoredFeedbackEvent) => string | undefined) {
  const groups = new Map<string, number[]>();
  events.forEach((e, i) => {
    const k = key(e);
    if (k === undefined) return;
    const list = groups.get(k);
    if (list) list.push(i);
    else groups.set(k, [i]);
  });
  return groups;
}

const userKey = (e: StoredFeedbackEvent) => `${e.owner_id}\u0000${e.user_id}`;
const byTs = (events: readonly StoredFeedbackEvent[]) => (a: number, b: number) =>
  (events[a] as StoredFeedbackEvent).ts - (events[b] as StoredFeedbackEvent).ts;

function testAccounts(c: FilterConfig["test_accounts"]): EventFilter {
  const pattern = c.user_pattern ? new RegExp(c.user_pattern, "i") : undefined;
  return {
    name: "test_accounts",
    description: "test, admin and declared bot accounts",
    config: c,
    run(events) {
      const flagged = new Map<string, string>();
      const checked = new Set<string>();
      for (const e of events) {
        const k = userKey(e);
        if (!checked.has(k)) {
          checked.add(k);
          if (c.user_ids.includes(e.user_id)) flagged.set(k, "listed test account");
          else if (pattern?.test(e.user_id)) flagged.set(k, `user id matches /${c.user_pattern}/`);
        }
        if (e.type === "session_start" && e.payload.account && !flagged.has(k))
          if ((c.accounts as string[]).includes(e.payload.account))
            flagged.set(k, `declared ${e.payload.account} account`);
      }
      const drops: FilterDrop[] = [];
      events.forEach((e, index) => {
        const reason = flagged.get(userKey(e));
        if (reason) drops.push({ index, reason });
      });
      return drops;
    },
  };
}

function clockSkew(c: FilterConfig["clock_skew"]): EventFilter {
  return {
    name: "clock_skew",
    description: "events whose time cannot be trusted (future, inconsistent, or a client clock far off)",
    config: c,
    run(events) {
      const drops: FilterDrop[] = [];
      events.forEach((e, index) => {
        const flag = e.time_flags.find((f) => c.flags.includes(f));
        if (flag) drops.push({ index, reason: flag });
        else if (e.skew_ms !== null && Math.abs(e.skew_ms) > c.max_skew_ms)
          drops.push({ index, reason: `client clock off by ${Math.round(e.skew_ms / 60_000)} min` });
      });
      return drops;
    },
  };
}

function duplicates(c: FilterConfig["duplicates"]): EventFilter {
  return {
    name: "duplicates",
    description: "the same action sent again under a new event id",
    config: c,
    run(events) {
      const seen = new Set<string>();
      const drops: FilterDrop[] = [];
      events.forEach((e, index) => {
        // Plain JSON, not canonical: a client that re-sends an action re-sends the same bytes in the same order.
        const key = `${e.owner_id}\u0000${e.user_id}\u0000${e.type}\u0000${e.chat_id}\u0000${e.message_id}\u0000${e.candidate_id}\u0000${e.created_at_client}\u0000${JSON.stringify(e.payload)}`;
        if (seen.has(key))
          drops.push({ index, reason: "same user, type, target, time and payload as an earlier event" });
        else seen.add(key);
      });
      return drops;
    },
  };
}

function botLike(c: FilterConfig["bot_like"]): EventFilter {
  return {
    name: "bot_like",
    description: "users acting at machine speed or with machine regularity",
    config: c,
    run(events) {
      const drops: FilterDrop[] = [];
      for (const indexes of groupIndexes(events, userKey).values()) {
        const reason = botReason(
          indexes.map((i) => events[i] as StoredFeedbackEvent),
          c,
        );
        if (reason) for (const index of indexes) drops.push({ index, reason });
      }
      return drops;
    },
  };
}

/** Why a user's events look automated, or undefined. */
function botReason(events: StoredFeedbackEvent[], c: FilterConfig["bot_like"]): string | undefined {
  const regenerates = events.filter((e) => e.type === "regenerate").map((e) => e.ts);
  regenerates.sort((a, b) => a - b);
  for (let i = 0, j = 0; j < regenerates.length; j++) {
    while ((regenerates[j] as number) - (regenerates[i] as number) >= 60_000) i++;
    if (j - i + 1 > c.max_regenerates_per_minute)
      return `more than ${c.max_regenerates_per_minute} regenerates in a minute`;
  }
  if (events.length < c.min_events) return undefined;
  const times = [...new Set(events.map((e) => e.ts))].sort((a, b) => a - b);
  if (times.length < c.min_events / 2) return `${events.length} events at only ${times.length} distinct times`;
  const gaps: number[] = [];
  for (let i = 1; i < times.length; i++) gaps.push((times[i] as number) - (times[i - 1] as number));
  const sorted = [...gaps].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] as number;
  if (median < c.min_median_gap_ms) return `median gap ${median} ms between actions`;
  const mean = gaps.reduce((s, g) => s + g, 0) / gaps.length;
  const sd = Math.sqrt(gaps.reduce((s, g) => s + (g - mean) ** 2, 0) / gaps.length);
  const cv = mean > 0 ? sd / mean : 0;
  if (cv < c.max_gap_cv) return `gaps between actions too regular (cv ${cv.toFixed(3)})`;
  return undefined;
}

function bursts(c: FilterConfig["bursts"]): EventFilter {
  return {
    name: "bursts",
    description: "windows in which one user sent more events than a person can",
    config: c,
    run(events) {
      const drops: FilterDrop[] = [];
      for (const indexes of groupIndexes(events, userKey).values()) {
        const order = [...indexes].sort(byTs(events));
        const inBurst = new Set<number>();
        for (let i = 0, j = 0; j < order.length; j++) {
          while (
            (events[order[j] as number] as StoredFeedbackEvent).ts -
              (events[order[i] as number] as StoredFeedbackEvent).ts >=
            c.window_ms
          )
            i++;
          if (j - i + 1 > c.max_events) for (let k = i; k <= j; k++) inBurst.add(order[k] as number);
        }
        for (const index of inBurst)
          drops.push({ index, reason: `more than ${c.max_events} events within ${c.window_ms / 1000} s` });
      }
      return drops;
    },
  };
}

function impossibleTiming(c: FilterConfig["impossible_timing"]): EventFilter {
  return {
    name: "impossible_timing",
    description: "dwell longer than its own clock or its session, ratings faster than reading",
    config: c,
    run(events) {
      const sessionLength = new Map<string, number>();
      for (const e of events)
        if (e.type === "session_end" && e.session_id && e.payload.duration_ms !== undefined)
          sessionLength.set(`${userKey(e)}\u0000${e.session_id}`, e.payload.duration_ms);
      const seen = examinedCandidates(events);
      const drops: FilterDrop[] = [];
      events.forEach((e, index) => {
        if (e.type === "dwell") {
          const p = e.payload;
          if (p.visible_ms > p.wall_ms + c.tolerance_ms) drops.push({ index, reason: "visible longer than wall time" });
          else if ((p.read_ms ?? 0) + (p.stream_ms ?? 0) > p.visible_ms + c.tolerance_ms)
            drops.push({ index, reason: "read + stream time exceeds visible time" });
          else {
            const session = e.session_id ? sessionLength.get(`${userKey(e)}\u0000${e.session_id}`) : undefined;
            if (session !== undefined && p.wall_ms > session + c.tolerance_ms)
              drops.push({ index, reason: "dwell longer than its session" });
          }
        } else if (e.type === "rate" && e.candidate_id) {
          const x = seen.get(e.candidate_id);
          const words = x?.words ?? 0;
          if (
            x &&
            words > 0 &&
            x.visibleMs < expectedReadMs(words, { ...DEFAULT_EXPOSURE_RULE, wordsPerMinute: c.max_words_per_minute })
          )
            drops.push({ index, reason: `rated after ${x.visibleMs} ms on ${words} words` });
        }
      });
      return drops;
    },
  };
}

function shortSessions(c: FilterConfig["short_sessions"]): EventFilter {
  return {
    name: "short_sessions",
    description: "sessions too short to say anything",
    config: c,
    run(events) {
      const drops: FilterDrop[] = [];
      const sessions = groupIndexes(events, (e) => (e.session_id ? `${userKey(e)}\u0000${e.session_id}` : undefined));
      for (const indexes of sessions.values()) {
        const times = indexes.map((i) => (events[i] as StoredFeedbackEvent).ts);
        let duration = Math.max(...times) - Math.min(...times);
        for (const i of indexes) {
          const e = events[i] as StoredFeedbackEvent;
          if (e.type === "session_end" && e.payload.duration_ms !== undefined)
            duration = Math.max(duration, e.payload.duration_ms);
        }
        const reason =
          indexes.length < c.min_events
            ? `session of ${indexes.length} events`
            : duration < c.min_duration_ms
              ? `session of ${duration} ms`
              : undefined;
        if (reason) for (const index of indexes) drops.push({ index, reason });
      }
      return drops;
    },
  };
}

/** The candidate an action is a verdict on. */
export function actionTarget(e: StoredFeedbackEvent): string | undefined {
  if (e.type === "regenerate") return e.payload.replaced_candidate_id ?? e.candidate_id;
  return e.candidate_id;
}

function unexamined(c: FilterConfig["unexamined"]): EventFilter {
  return {
    name: "unexamined",
    description: "verdicts on replies nobody had time to read (impatience, not judgement)",
    config: c,
    run(events) {
      const seen = examinedCandidates(events);
      const drops: FilterDrop[] = [];
      events.forEach((e, index) => {
        if (!c.types.includes(e.type)) return;
        if (e.type === "leave" && e.payload.before_stream_end) {
          drops.push({ index, reason: "left before the reply finished" });
          return;
        }
        const target = actionTarget(e);
        if (!target) return;
        const x = seen.get(target);
        if (!x) drops.push({ index, reason: "no exposure of the reply" });
        else if (!x.examined) drops.push({ index, reason: `reply visible ${x.visibleMs} ms only` });
      });
      return drops;
    },
  };
}

function perUserCap(c: FilterConfig["per_user_cap"]): EventFilter {
  return {
    name: "per_user_cap",
    description: "events beyond a daily cap per user",
    config: c,
    run(events) {
      const drops: FilterDrop[] = [];
      const days = groupIndexes(events, (e) => `${userKey(e)}\u0000${Math.floor(e.ts / 86_400_000)}`);
      for (const indexes of days.values()) {
        if (indexes.length <= c.max_events_per_day) continue;
        const order = [...indexes].sort(byTs(events));
        for (const index of order.slice(c.max_events_per_day))
          drops.push({ index, reason: `beyond ${c.max_events_per_day} events that day` });
      }
      return drops;
    },
  };
}

/** The filters in the order they run (cheap identity checks first, caps last so they count clean events). */
export function buildFilters(config: unknown = {}): EventFilter[] {
  const c = FilterConfigSchema.parse(config);
  const all: Array<[boolean, EventFilter]> = [
    [c.test_accounts.enabled, testAccounts(c.test_accounts)],
    [c.clock_skew.enabled, clockSkew(c.clock_skew)],
    [c.duplicates.enabled, duplicates(c.duplicates)],
    // Bursts first: a person whose client once replayed a burst is judged on their remaining events.
    [c.bursts.enabled, bursts(c.bursts)],
    [c.bot_like.enabled, botLike(c.bot_like)],
    [c.impossible_timing.enabled, impossibleTiming(c.impossible_timing)],
    [c.short_sessions.enabled, shortSessions(c.short_sessions)],
    [c.unexamined.enabled, unexamined(c.unexamined)],
    [c.per_user_cap.enabled, perUserCap(c.per_user_cap)],
  ];
  return all.filter(([on]) => on).map(([, f]) => f);
}

/** Run filters in order; each sees what the ones before it kept. Returns the kept events and one report per filter. */
export function applyFilters(
  events: readonly StoredFeedbackEvent[],
  filters: readonly EventFilter[],
  options: { examples?: number; collectDropped?: boolean } = {},
): { kept: StoredFeedbackEvent[]; reports: FilterReport[] } {
  const max = options.examples ?? 5;
  let current = [...events];
  const reports: FilterReport[] = [];
  for (const filter of filters) {
    const drops = filter.run(current);
    const dropped = new Set<number>();
    const examples: FilterReport["examples"] = [];
    for (const d of drops) {
      if (dropped.has(d.index)) continue;
      dropped.add(d.index);
      const e = current[d.index] as StoredFeedbackEvent;
      if (examples.length < max)
        examples.push({ event_id: e.event_id, user_id: e.user_id, type: e.type, reason: d.reason });
    }
    reports.push({
      name: filter.name,
      description: filter.description,
      config: filter.config,
      input: current.length,
      dropped: dropped.size,
      examples,
      ...(options.collectDropped
        ? { droppedIds: [...dropped].map((i) => (current[i] as StoredFeedbackEvent).event_id) }
        : {}),
    });
    if (dropped.size) current = current.filter((_, i) => !dropped.has(i));
  }
  return { kept: current, reports };
}
