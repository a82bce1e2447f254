import { UsageError } from "../core/index.ts";

/** How turn length moves over a session (the "turn-20 wall": replies shrink or balloon as sessions go on). */
export interface LengthTrend {
  /** Ordinary least-squares slope of length on turn index, in length units per turn. */
  slope: number;
  /** slope × (turns − 1) ÷ mean length: the fitted change over the session as a share of the mean. */
  relativeChange: number;
  /** Mean length of the first `window` turns. */
  firstMean: number;
  /** Mean length of the last `window` turns. */
  lastMean: number;
  /** lastMean ÷ firstMean (NaN when the first window is all empty). */
  ratio: number;
}

/** Length trend of a session from per-turn lengths (tokens, i.e. words in English and characters in Chinese). */
export function lengthTrend(lengths: readonly number[], options: { window?: number } = {}): LengthTrend {
  const n = lengths.length;
  const window = options.window ?? 10;
  if (n < 2) throw new UsageError("text.too_few_turns", `A length trend needs at least 2 turns, got ${n}.`);
  if (!Number.isInteger(window) || window < 1) {
    throw new UsageError("text.invalid_window", `window must be a positive integer, got ${window}.`);
  }
  const meanX = (n - 1) / 2;
  const meanY = lengths.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (i - meanX) * ((lengths[i] as number) - meanY);
    sxx += (i - meanX) ** 2;
  }
  const slope = sxy / sxx;
  const w = Math.min(window, n);
  const avg = (xs: readonly number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
  const firstMean = avg(lengths.slice(0, w));
  const lastMean = avg(lengths.slice(n - w));
  return {
    slope,
    relativeChange: meanY === 0 ? 0 : (slope * (n - 1)) / meanY,
    firstMean,
    lastMean,
    ratio: firstMean === 0 ? Number.NaN : lastMean / firstMean,
  };
}
