/** A SillyTavern timestamp read as UTC, and whether its zone was a guess. */
export interface StDate {
  ms: number;
  /** True for the humanized format, which has no zone: read as UTC, possibly off by the writer's offset. */
  uncertain: boolean;
}

const MONTHS = [
  "january",
  "february",
  "march",
  "april",
  "may",
  "june",
  "july",
  "august",
  "september",
  "october",
  "november",
  "december",
];

/**
 * Parse the four date formats SillyTavern has written over the years (its own parseTimestamp): unix ms,
 * "2024-7-12@01h31m37s", "2024-6-5 @14h 56m 50s 682ms", the humanized "June 19, 2023 2:20pm", plus ISO 8601
 * (gen_started, newer send_date). Returns undefined when none fits.
 */
export function parseStDate(value: unknown): StDate | undefined {
  if (typeof value === "number" && Number.isFinite(value) && value > 0)
    return { ms: Math.round(value), uncertain: false };
  if (typeof value !== "string") return undefined;
  const text = value.trim();
  if (/^\d{10,14}$/.test(text)) return { ms: Number(text), uncertain: false };
  const st = /^(\d{4})-(\d{1,2})-(\d{1,2})\s*@\s*(\d{1,2})h\s*(\d{1,2})m\s*(\d{1,2})s(?:\s*(\d{1,3})ms)?$/.exec(text);
  if (st) {
    const [, y, mo, d, h, mi, s, msPart] = st;
    const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number(msPart ?? 0));
    return Number.isFinite(ms) ? { ms, uncertain: false } : undefined;
  }
  const human = /^([A-Za-z]+)\s+(\d{1,2}),\s*(\d{4})\s+(\d{1,2}):(\d{2})\s*(am|pm)$/i.exec(text);
  if (human) {
    const [, monthName, d, y, h, mi, ampm] = human;
    const month = MONTHS.indexOf((monthName ?? "").toLowerCase());
    if (month < 0) return undefined;
    const hour = (Number(h) % 12) + ((ampm ?? "").toLowerCase() === "pm" ? 12 : 0);
    return { ms: Date.UTC(Number(y), month, Number(d), hour, Number(mi)), uncertain: true };
  }
  if (/^\d{4}-\d{2}-\d{2}T/.test(text)) {
    // ST writes toISOString (with Z); a missing zone is read as UTC (not the machine's zone) and flagged a guess.
    const zoned = /(Z|[+-]\d{2}:?\d{2})$/.test(text);
    const ms = Date.parse(zoned ? text : `${text}Z`);
    if (Number.isFinite(ms)) return { ms, uncertain: !zoned };
  }
  return undefined;
}
