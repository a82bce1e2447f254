import { UsageError } from "../core/index.ts";

/** Validates a sliding-window size: a positive integer, or Infinity for "every earlier turn". */
export function checkWindow(window: number): number {
  if (!(window === Number.POSITIVE_INFINITY || (Number.isInteger(window) && window >= 1))) {
    throw new UsageError("text.invalid_window", `window must be a positive integer or Infinity, got ${window}.`, {
      hint: "20 (one judge chunk) is a good default for per-turn repetition detectors.",
    });
  }
  return window;
}
