import * as z from "zod";
import type { StoredFeedbackEvent } from "./event-schema.ts";
import { DEFAULT_EXPOSURE_RULE, type Examination, examinedCandidates, expectedReadMs } from "./exposure.ts";
import { actionTarget } from "./filters.ts";

/** Which signal a label came from. */
export type LabelSource = "swipe" | "edit" | "regenerate" | "continuation" | "leave" | "rating" | "dwell";

/**
 * A preference label over candidate ids (texts are attached later, by the export). Pairs say `chosen` ≻ `rejected`;
 * unary labels say `completion` was desirable (`label: true`) or not.
 */
export interface Label {
  id: string;
  kind: "pair" | "unary";
  source: LabelSource;
  ownerId: string;
  userId: string;
  chatId: string | null;
  characterId?: string | undefined;
  sessionId?: string | undefined;
  /** The message the candidates answer: the end of the prompt. */
  parentMessageId?: string | undefined;
  messageId?: string | undefined;
  chosen?: string | undefined;
  rejected?: string | undefined;
  completion?: string | undefined;
  label?: boolean | undefined;
  /** Displayed positions (0 = first) of the candidates involved, when known. */
  positions: { chosen?: number; rejected?: number; completion?: number };
  /** Serving-policy propensities of the candidates, when the events carried them. */
  propensity?: number | undefined;
  /** True when the displayed order was randomized (order_propensity < 1): usable to estimate position bias. */
  randomizedOrder: boolean;
  /** Reliability of this signal kind (config) × per-label strength (edit size). */
  weight: number;
  /** The source's confidence (1 live, 0.3 SillyTavern). */
  confidence: number;
  /** Duration-based session weight (mean 1 over labels); 1 until weighSessions runs. */
  sessionWeight: number;
  ts: number;
}

/** Label derivation settings (defaults proposed in reference/online-learning.md §1, Suggested design 4). */
export const LabelConfigSchema = z.object({
  /** Base reliability per source. */
  weights: z
    .object({
      swipe: z.number().default(1),
      edit: z.number().default(1),
      regenerate: z.number().default(0.3),
      continuation: z.number().default(0.5),
      leave: z.number().default(0.5),
      rating: z.number().default(1),
      dwell: z.number().default(0.3),
    })
    .prefault({}),
  /** Pairs only over siblings that were examined; false reproduces the naive "every sibling lost" labels. */
  examined_only: z.boolean().default(true),
  /** A reply is a continuation positive when the user writes at least this many more messages from it. */
  continuation_k: z.number().int().min(1).default(2),
  edit: z
    .object({
      /** Edits smaller than this many characters are typo fixes: no label. */
      min_distance: z.number().default(5),
      /** …or smaller than this share of the original. */
      min_ratio: z.number().default(0.02),
    })
    .prefault({}),
  /** Stars at or above this share of the scale are positive (4 of 5, 3 of 4). */
  star_threshold: z.number().default(0.75),
  dwell: z
    .object({
      /** "controlled": visible time only, normalised by reading time, and only when followed by engagement.
       * "naive": wall-clock dwell over `naive_ms` is "liked" (for measuring how wrong that is). */
      mode: z.enum(["controlled", "naive", "off"]).default("controlled"),
      min_read_ratio: z.number().default(0.8),
      naive_ms: z.number().default(30_000),
    })
    .prefault({}),
  /** Session weights grow with active duration (capped), not turn count. */
  session_cap_ms: z.number().default(30 * 60_000),
});

export type LabelConfig = z.infer<typeof LabelConfigSchema>;

/** Counts of what derivation did and skipped, for the report. */
export interface LabelStats {
  bySource: Record<string, number>;
  unseenSiblingsSkipped: number;
  trivialEditsSkipped: number;
  dwellWithoutEngagement: number;
}

interface Group {
  ids: Set<string>;
  positions: Map<string, number>;
}

/** The parts of a label that differ by source. */
interface LabelParts {
  chosen?: string | undefined;
  rejected?: string | undefined;
  completion?: string | undefined;
  label?: boolean | undefined;
  positions?: Label["positions"];
  propensity?: number | undefined;
}

/**
 * Build a label with every field written out in one order. Object spreads here made V8 fall back to slow
 * dictionary objects (measured 10 µs per label); one fixed shape keeps derivation well above 200k events/s.
 */
function newLabel(
  e: StoredFeedbackEvent,
  id: string,
  kind: Label["kind"],
  source: LabelSource,
  weight: number,
  parts: LabelParts,
): Label {
  return {
    id,
    kind,
    source,
    ownerId: e.owner_id,
    userId: e.user_id,
    chatId: e.chat_id ?? null,
    characterId: e.character_id,
    sessionId: e.session_id,
    parentMessageId: e.parent_message_id,
    messageId: e.message_id,
    chosen: parts.chosen,
    rejected: parts.rejected,
    completion: parts.completion,
    label: parts.label,
    positions: parts.positions ?? {},
    propensity: parts.propensity,
    randomizedOrder: e.order_propensity !== undefined && e.order_propensity < 1,
    weight,
    confidence: e.confidence ?? 1,
    sessionWeight: 1,
    ts: e.ts,
  };
}

/** A copy of a label with a new session weight (same fixed shape). */
export function withSessionWeight(l: Label, sessionWeight: number): Label {
  return {
    id: l.id,
    kind: l.kind,
    source: l.source,
    ownerId: l.ownerId,
    userId: l.userId,
    chatId: l.chatId,
    characterId: l.characterId,
    sessionId: l.sessionId,
    parentMessageId: l.parentMessageId,
    messageId: l.messageId,
    chosen: l.chosen,
    rejected: l.rejected,
    completion: l.completion,
    label: l.label,
    positions: l.positions,
    propensity: l.propensity,
    randomizedOrder: l.randomizedOrder,
    weight: l.weight,
    confidence: l.confidence,
    sessionWeight,
    ts: l.ts,
  };
}

/**
 * The sibling group an event belongs to: the message the candidates answer, else the message itself. troupe serve
 * gives each sibling its own message id under one parent; importers and the simulator name one message per turn.
 */
function groupKey(e: StoredFeedbackEvent): string {
  return `${e.owner_id}\u0000${e.parent_message_id ?? e.message_id ?? ""}`;
}

/**
 * Derive labels from filtered events: swipe-choice pairs over examined siblings, edit pairs weighted by edit
 * size, regenerate-without-choice weak negatives, continuation and leave unary labels, ratings, and dwell
 * (visible, length-normalised, followed by engagement). Pure: events in, labels out.
 */
export function deriveLabels(
  events: readonly StoredFeedbackEvent[],
  config: unknown = {},
  examination?: Map<string, Examination>,
): { labels: Label[]; stats: LabelStats } {
  const c = LabelConfigSchema.parse(config);
  const seen = examination ?? examinedCandidates(events, DEFAULT_EXPOSURE_RULE);
  const labels: Label[] = [];
  const stats: LabelStats = {
    bySource: {},
    unseenSiblingsSkipped: 0,
    trivialEditsSkipped: 0,
    dwellWithoutEngagement: 0,
  };
  const groups = new Map<string, Group>();
  const groupOf = (key: string) => {
    let g = groups.get(key);
    if (!g) {
      g = { ids: new Set(), positions: new Map() };
      groups.set(key, g);
    }
    return g;
  };
  const chosenMessages = new Set<string>();
  const engaged = new Set<string>();
  const repliesByChat = new Map<string, StoredFeedbackEvent[]>();
  for (const e of events) {
    const gkey = groupKey(e);
    if (e.type === "swipe" && (e.message_id || e.parent_message_id)) {
      const g = groupOf(gkey);
      const p = e.payload;
      if (p.from_candidate_id) {
        g.ids.add(p.from_candidate_id);
        if (p.from_position !== undefined) g.positions.set(p.from_candidate_id, p.from_position);
      }
      // A swipe that asks for a new reply names only where it came from (the new one does not exist yet).
      const to = p.to_candidate_id ?? (e.candidate_id !== p.from_candidate_id ? e.candidate_id : undefined);
      if (to) {
        g.ids.add(to);
        g.positions.set(to, p.to_position);
      }
    } else if (e.type === "reply") {
      const chosen = e.payload.chosen_candidate_id ?? e.candidate_id;
      if (chosen) engaged.add(chosen);
      if (e.message_id || e.parent_message_id) {
        const g = groupOf(gkey);
        e.candidate_ids?.forEach((id, i) => {
          g.ids.add(id);
          const pos = e.positions?.[i];
          if (pos !== undefined) g.positions.set(id, pos);
        });
      }
      const chatKey = `${e.owner_id}\u0000${e.user_id}\u0000${e.chat_id ?? e.session_id ?? ""}`;
      const list = repliesByChat.get(chatKey);
      if (list) list.push(e);
      else repliesByChat.set(chatKey, [e]);
    } else if ((e.type === "copy" || e.type === "continue") && e.candidate_id) engaged.add(e.candidate_id);
    else if (
      e.type === "rate" &&
      e.candidate_id &&
      e.payload.value > 0 &&
      isPositive(e.payload.scale, e.payload.value, c)
    )
      engaged.add(e.candidate_id);
  }
  const push = (label: Label) => {
    labels.push(label);
    stats.bySource[label.source] = (stats.bySource[label.source] ?? 0) + 1;
  };
  // Swipe-choice pairs and continuation, from replies.
  for (const replies of repliesByChat.values()) {
    replies.sort((a, b) => a.ts - b.ts);
    for (let i = 0; i < replies.length; i++) {
      const e = replies[i] as StoredFeedbackEvent;
      if (e.type !== "reply") continue;
      const chosen = e.payload.chosen_candidate_id ?? e.candidate_id;
      if (!chosen) continue;
      const gkey = groupKey(e);
      chosenMessages.add(gkey);
      const g = groups.get(gkey);
      if (g && g.ids.size >= 2) {
        for (const other of g.ids) {
          if (other === chosen) continue;
          if (c.examined_only && !seen.get(other)?.examined) {
            stats.unseenSiblingsSkipped++;
            continue;
          }
          push(
            newLabel(e, `swipe:${chosen}>${other}`, "pair", "swipe", c.weights.swipe, {
              chosen,
              rejected: other,
              positions: { chosen: g.positions.get(chosen), rejected: g.positions.get(other) },
              propensity: e.propensity,
            }),
          );
        }
      }
      if (replies.length - i >= c.continuation_k)
        push(
          newLabel(e, `continuation:${chosen}`, "unary", "continuation", c.weights.continuation, {
            completion: chosen,
            label: true,
            positions: { completion: g?.positions.get(chosen) },
            propensity: e.propensity,
          }),
        );
    }
  }
  for (const e of events) {
    if (e.type === "edit") {
      const original = e.payload.original_candidate_id ?? e.candidate_id;
      if (!original || !e.message_id) continue;
      const ratio = e.payload.edit_distance / Math.max(1, e.payload.original_chars);
      if (e.payload.edit_distance < c.edit.min_distance || ratio < c.edit.min_ratio) {
        stats.trivialEditsSkipped++;
        continue;
      }
      // Bigger edits say more clearly that the original was wrong (saturating at a 35% rewrite).
      const weight = c.weights.edit * Math.min(1, 0.3 + 2 * ratio);
      push(
        newLabel(e, `edit:${e.message_id}>${original}`, "pair", "edit", weight, {
          chosen: e.message_id,
          rejected: original,
        }),
      );
    } else if (e.type === "regenerate") {
      const target = actionTarget(e);
      const gkey = groupKey(e);
      if (!target || chosenMessages.has(gkey)) continue;
      push(
        newLabel(e, `regenerate:${target}`, "unary", "regenerate", c.weights.regenerate, {
          completion: target,
          label: false,
          propensity: e.propensity,
        }),
      );
    } else if (e.type === "leave" && e.candidate_id) {
      push(
        newLabel(e, `leave:${e.candidate_id}`, "unary", "leave", c.weights.leave, {
          completion: e.candidate_id,
          label: false,
          propensity: e.propensity,
        }),
      );
    } else if (e.type === "rate" && e.candidate_id) {
      push(
        newLabel(e, `rating:${e.event_id}`, "unary", "rating", c.weights.rating, {
          completion: e.candidate_id,
          label: isPositive(e.payload.scale, e.payload.value, c),
          propensity: e.propensity,
        }),
      );
    } else if (e.type === "dwell" && e.candidate_id && c.dwell.mode !== "off") {
      const liked = dwellLiked(e, c, engaged);
      if (liked === "no-engagement") stats.dwellWithoutEngagement++;
      if (liked !== true) continue;
      push(
        newLabel(e, `dwell:${e.candidate_id}`, "unary", "dwell", c.weights.dwell, {
          completion: e.candidate_id,
          label: true,
          propensity: e.propensity,
        }),
      );
    }
  }
  return { labels: dedupe(labels), stats };
}

function isPositive(scale: "thumbs" | "stars4" | "stars5", value: number, c: LabelConfig): boolean {
  if (scale === "thumbs") return value > 0;
  return value >= c.star_threshold * (scale === "stars4" ? 4 : 5);
}

/** Whether a dwell says "liked": true, false, or "no-engagement" (read long, then did nothing with it). */
function dwellLiked(
  e: Extract<StoredFeedbackEvent, { type: "dwell" }>,
  c: LabelConfig,
  engaged: Set<string>,
): boolean | "no-engagement" {
  if (c.dwell.mode === "naive") return e.payload.wall_ms >= c.dwell.naive_ms;
  const words = e.payload.words ?? 0;
  if (words <= 0) return false;
  const ratio = e.payload.visible_ms / expectedReadMs(words);
  if (ratio < c.dwell.min_read_ratio) return false;
  // High dwell alone is not liking (confusion reads long too): it counts only when followed by engagement.
  return engaged.has(e.candidate_id as string) ? true : "no-engagement";
}

function dedupe(labels: Label[]): Label[] {
  const seen = new Set<string>();
  return labels.filter((l) => {
    if (seen.has(l.id)) return false;
    seen.add(l.id);
    return true;
  });
}

/**
 * Weight sessions by active duration rather than turn count: each session's labels share a budget proportional
 * to its duration (capped), so a session of many quick turns does not outweigh a long thoughtful one. Weights are
 * scaled to mean 1 over labels. Labels outside sessions keep weight 1.
 */
export function weighSessions(
  labels: Label[],
  events: readonly StoredFeedbackEvent[],
  capMs = LabelConfigSchema.parse({}).session_cap_ms,
): Label[] {
  const span = new Map<string, { first: number; last: number; declared: number }>();
  for (const e of events) {
    if (!e.session_id) continue;
    const k = `${e.owner_id}\u0000${e.user_id}\u0000${e.session_id}`;
    const s = span.get(k) ?? { first: e.ts, last: e.ts, declared: 0 };
    s.first = Math.min(s.first, e.ts);
    s.last = Math.max(s.last, e.ts);
    if (e.type === "session_end") s.declared = Math.max(s.declared, e.payload.active_ms ?? e.payload.duration_ms ?? 0);
    span.set(k, s);
  }
  const count = new Map<string, number>();
  const keyOf = (l: Label) => (l.sessionId ? `${l.ownerId}\u0000${l.userId}\u0000${l.sessionId}` : undefined);
  for (const l of labels) {
    const k = keyOf(l);
    if (k) count.set(k, (count.get(k) ?? 0) + 1);
  }
  const raw = labels.map((l) => {
    const k = keyOf(l);
    const s = k ? span.get(k) : undefined;
    if (!k || !s) return undefined;
    const duration = Math.min(capMs, Math.max(s.declared, s.last - s.first, 1000));
    return duration / (count.get(k) as number);
  });
  const defined = raw.filter((w): w is number => w !== undefined);
  const mean = defined.length ? defined.reduce((a, b) => a + b, 0) / defined.length : 1;
  return labels.map((l, i) => withSessionWeight(l, raw[i] === undefined ? 1 : (raw[i] as number) / mean));
}
