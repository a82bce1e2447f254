import type { StoredFeedbackEvent } from "./event-schema.ts";

/** When a reply counts as examined (read), not merely rendered. */
export interface ExposureRule {
  /** Silent reading speed, words per minute (Brysbaert 2019: ≈ 260 for fiction). */
  wordsPerMinute: number;
  /** Share of the expected reading time that must have been visible. */
  readShare: number;
  /** Viewability floor (MRC: 1 continuous second). */
  minVisibleMs: number;
}

export const DEFAULT_EXPOSURE_RULE: ExposureRule = { wordsPerMinute: 260, readShare: 0.3, minVisibleMs: 1000 };

/** Expected time to read `words` words, in ms. */
export function expectedReadMs(words: number, rule: ExposureRule = DEFAULT_EXPOSURE_RULE): number {
  return (words / rule.wordsPerMinute) * 60_000;
}

/** What is known of how long each candidate was seen. */
export interface Examination {
  /** Longest visible time seen in exposure or dwell events (ms). */
  visibleMs: number;
  words: number | undefined;
  examined: boolean;
}

/**
 * Decide which candidates were examined: visible (exposure or dwell `visible_ms`) for at least
 * max(1 s, 30% of the expected reading time). A candidate with no exposure evidence is absent from the map:
 * unseen, so it can be neither winner nor loser.
 */
export function examinedCandidates(
  events: readonly StoredFeedbackEvent[],
  rule: ExposureRule = DEFAULT_EXPOSURE_RULE,
): Map<string, Examination> {
  const out = new Map<string, Examination>();
  for (const e of events) {
    if ((e.type !== "exposure" && e.type !== "dwell") || !e.candidate_id) continue;
    const current = out.get(e.candidate_id);
    const visibleMs = Math.max(current?.visibleMs ?? 0, e.payload.visible_ms);
    const words = e.payload.words ?? current?.words;
    out.set(e.candidate_id, { visibleMs, words, examined: false });
  }
  for (const x of out.values()) {
    const needed = Math.max(rule.minVisibleMs, rule.readShare * expectedReadMs(x.words ?? 0, rule));
    x.examined = x.visibleMs >= needed;
  }
  return out;
}
