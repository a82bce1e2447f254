import { UsageError } from "../core/index.ts";
import type { Turn } from "./turn.ts";

/**
 * What of a session's history the player is sent each turn. `full` (the default, the official protocol) sends the
 * whole dialogue; `window:<k>` keeps the card, the opening exchange (prologue and first user message) and the last
 * k turns, dropping the oldest turns in between, so a long session fits a small context. Stored as text on the run.
 */
export type ContextStrategy = "full" | `window:${number}`;

/** The official protocol: every turn, every time. */
export const DEFAULT_CONTEXT_STRATEGY: ContextStrategy = "full";

const WINDOW = /^window:([1-9][0-9]*)$/;

/** Whether a string is a valid strategy ("full" or "window:<k>" with k ≥ 1). */
export function isContextStrategy(text: string): text is ContextStrategy {
  return text === "full" || WINDOW.test(text);
}

/** Parse `--context-strategy`; a usage error that lists the forms otherwise. */
export function parseContextStrategy(text: string): ContextStrategy {
  const value = text.trim();
  if (isContextStrategy(value)) return value;
  throw new UsageError(
    "bench.invalid_context_strategy",
    `--context-strategy must be full or window:<k>, not "${text}".`,
    {
      hint: "full sends the whole dialogue (the official protocol); window:20 keeps the card, the opening exchange and the last 20 turns.",
    },
  );
}

/**
 * The turns a window keeps at the end: k rounded up to an even number, so the kept tail starts with an NPC turn
 * right after the first user message and roles keep alternating (strict chat templates reject two in a row).
 */
export function windowTurns(strategy: ContextStrategy): number | undefined {
  const match = WINDOW.exec(strategy);
  if (!match) return undefined;
  const k = Number(match[1]);
  return k % 2 === 0 ? k : k + 1;
}

/** The history a player is sent under a strategy: all of it, or the opening two turns plus the last k. */
export function applyContextStrategy(history: readonly Turn[], strategy: ContextStrategy | undefined): readonly Turn[] {
  const k = strategy ? windowTurns(strategy) : undefined;
  if (k === undefined || history.length <= 2 + k) return history;
  return [...history.slice(0, 2), ...history.slice(history.length - k)];
}
