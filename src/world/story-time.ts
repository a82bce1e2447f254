import { UsageError } from "../core/index.ts";

/**
 * Story time is an integer count of story minutes since the world's epoch (minute 0 = the moment the story
 * starts). Integers keep it totally ordered, exact and cheap to compare; minutes are fine enough for role-play
 * ("an hour later", "the next morning") and a 53-bit integer spans far more than any story needs.
 * Along a branch it never decreases (an invariant the consistency check enforces), so a turn maps to a story
 * time and a story time to the last turn at or before it by binary search.
 * It is shown as "day D HH:MM", with day 1 starting at minute 0.
 */
export type StoryTime = number;

export const MINUTES_PER_HOUR = 60;
export const MINUTES_PER_DAY = 24 * 60;

/** "day 3 14:05" for 2 days, 14 hours and 5 minutes after the epoch. */
export function formatStoryTime(t: StoryTime): string {
  const day = Math.floor(t / MINUTES_PER_DAY) + 1;
  const rest = t - (day - 1) * MINUTES_PER_DAY;
  const hh = String(Math.floor(rest / MINUTES_PER_HOUR)).padStart(2, "0");
  const mm = String(rest % MINUTES_PER_HOUR).padStart(2, "0");
  return `day ${day} ${hh}:${mm}`;
}

/** "2d 3h 5m" for a story duration in minutes (0 → "0m"). */
export function formatDuration(minutes: number): string {
  if (minutes <= 0) return "0m";
  const d = Math.floor(minutes / MINUTES_PER_DAY);
  const h = Math.floor((minutes % MINUTES_PER_DAY) / MINUTES_PER_HOUR);
  const m = minutes % MINUTES_PER_HOUR;
  return [d ? `${d}d` : "", h ? `${h}h` : "", m ? `${m}m` : ""].filter(Boolean).join(" ");
}

const DURATION = /^(?:(\d+)\s*d(?:ays?)?)?\s*(?:(\d+)\s*h(?:ours?)?)?\s*(?:(\d+)\s*m(?:in(?:utes?)?)?)?$/i;

/** Parse a duration such as "2h", "1d 3h", "45m", "90" (minutes). */
export function parseDuration(text: string): number {
  const s = text.trim();
  if (/^\d+$/.test(s)) return Number(s);
  const m = DURATION.exec(s);
  if (!m || s === "" || (!m[1] && !m[2] && !m[3])) {
    throw new UsageError("world.bad_duration", `"${text}" is not a story duration.`, {
      hint: 'Write it like "45m", "2h", "1d 3h" or a number of minutes.',
    });
  }
  return Number(m[1] ?? 0) * MINUTES_PER_DAY + Number(m[2] ?? 0) * MINUTES_PER_HOUR + Number(m[3] ?? 0);
}

/**
 * Parse a story time: "day 3 14:05", "day 3", "d3 8:00", a number of minutes, or "+2h" relative to `base`.
 */
export function parseStoryTime(text: string, base: StoryTime = 0): StoryTime {
  const s = text.trim();
  if (s.startsWith("+")) return base + parseDuration(s.slice(1));
  if (/^\d+$/.test(s)) return Number(s);
  const m = /^(?:day|d)\s*(\d+)(?:[\s,]+(\d{1,2}):(\d{2}))?$/i.exec(s);
  if (m && Number(m[1]) >= 1 && Number(m[2] ?? 0) < 24 && Number(m[3] ?? 0) < 60) {
    return (Number(m[1]) - 1) * MINUTES_PER_DAY + Number(m[2] ?? 0) * MINUTES_PER_HOUR + Number(m[3] ?? 0);
  }
  throw new UsageError("world.bad_story_time", `"${text}" is not a story time.`, {
    hint: 'Write it like "day 3 14:05", "day 3", "+2h" (after the current time) or a number of minutes.',
  });
}

/** The first index of a non-decreasing list of story times whose time is at or after τ (the length if none). */
export function firstAtOrAfter(times: readonly StoryTime[], storyTime: StoryTime): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((times[mid] as number) < storyTime) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The last index of a non-decreasing list of story times whose time is at or before τ (-1 if none). */
export function lastAtOrBefore(times: readonly StoryTime[], storyTime: StoryTime): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((times[mid] as number) <= storyTime) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}
