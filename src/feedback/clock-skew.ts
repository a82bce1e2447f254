import type { TimeFlag } from "./event-schema.ts";

/** How far derived times may stray before they are flagged. */
export interface ClockPolicy {
  /** A derived time this far past received_at is "in the future" (ms; default 5 min). */
  futureToleranceMs: number;
  /** A derived time older than this before received_at is "old" (ms; default 7 days; Infinity for historical imports). */
  maxAgeMs: number;
}

export const DEFAULT_CLOCK_POLICY: ClockPolicy = { futureToleranceMs: 5 * 60_000, maxAgeMs: 7 * 86_400_000 };

/** The server's estimate of when an event happened. */
export interface DerivedTime {
  ts: number;
  skewMs: number | null;
  flags: TimeFlag[];
}

/**
 * Snowplow/Segment time correction: ts = received_at − (sent_at_client − created_at_client). A constant client
 * clock offset cancels while the client's own intervals survive. Without sent_at the client time is kept as is
 * (flagged `ts_uncorrected`), clamped so it never lies in the server's future.
 */
export function deriveEventTime(
  createdAtClient: number,
  sentAtClient: number | undefined,
  receivedAt: number,
  policy: ClockPolicy = DEFAULT_CLOCK_POLICY,
): DerivedTime {
  const flags: TimeFlag[] = [];
  let ts: number;
  let skewMs: number | null = null;
  if (sentAtClient === undefined) {
    ts = createdAtClient;
    flags.push("ts_uncorrected");
    if (ts > receivedAt + policy.futureToleranceMs) {
      flags.push("ts_future");
      ts = receivedAt;
    }
  } else if (sentAtClient < createdAtClient) {
    // Sent before it happened: the client's clocks disagree with each other, so trust only our own.
    flags.push("ts_inconsistent");
    ts = receivedAt;
    skewMs = receivedAt - sentAtClient;
  } else {
    skewMs = receivedAt - sentAtClient;
    ts = receivedAt - (sentAtClient - createdAtClient);
  }
  if (receivedAt - ts > policy.maxAgeMs) flags.push("ts_old");
  return { ts, skewMs, flags };
}
