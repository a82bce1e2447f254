/** Headers as the fetch API and the openai client expose them. */
export interface HeaderLookup {
  get(name: string): string | null;
}

/**
 * How long a server asked us to wait, in ms: `retry-after-ms` (OpenAI's precise variant), else `retry-after` as
 * seconds or an HTTP date. Undefined when absent or unreadable, so the caller falls back to its own back-off.
 */
export function parseRetryAfter(headers: HeaderLookup | undefined, nowMs: number = Date.now()): number | undefined {
  if (!headers) return undefined;
  const precise = headers.get("retry-after-ms");
  if (precise !== null && precise.trim() !== "") {
    const ms = Number(precise);
    if (Number.isFinite(ms) && ms >= 0) return ms;
  }
  const value = headers.get("retry-after");
  if (value === null || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - nowMs) : undefined;
}
