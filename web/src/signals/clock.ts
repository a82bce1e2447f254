/** The two clocks events carry: the wall clock (created_at_client) and a monotonic one (mono_ms, durations). */
export interface Clock {
  now(): number;
  mono(): number;
}

/** The browser's clocks. */
export const browserClock: Clock = {
  now: () => Date.now(),
  mono: () => performance.now(),
};
