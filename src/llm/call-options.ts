/**
 * Who is calling. Usage, cost and cache keys are kept per role, because a bench run spends very differently on
 * the player, the user simulator and the judge, and their cached replies must never be mixed up.
 */
export type CallRole = "player" | "user-sim" | "judge" | "serve" | "extract" | "test" | (string & {});

/** Per-call options that are not part of the prompt. */
export interface CallOptions {
  role?: CallRole;
  /** Sampling seed for providers that honour one; also part of the cache key, so repeats stay independent. */
  seed?: number;
  /** Index of a repeated run (bench runs 1..R); part of the cache key for the same reason as `seed`. */
  runIndex?: number;
  /** Cancels the call, including retries and back-off waits. */
  signal?: AbortSignal;
  /** Per-attempt timeout in ms. */
  timeoutMs?: number;
  /** Skip the response cache for this call (read and write). */
  noCache?: boolean;
  /** Free-form labels recorded with usage (scenario id, session id, turn). Never part of the cache key. */
  tags?: Record<string, string | number>;
}
