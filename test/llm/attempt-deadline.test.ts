import { getEventListeners } from "node:events";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { startDeadline } from "../../src/llm/attempt-deadline.ts";

// A fake clock: the deadline's behaviour is about elapsed time, and a loaded machine must not change the outcome.
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("attempt deadline", () => {
  it("shares one abort listener per caller signal, and still cancels the attempt in flight", () => {
    const caller = new AbortController();
    for (let i = 0; i < 1000; i++) startDeadline("m", 60_000, caller.signal).dispose();
    expect(getEventListeners(caller.signal, "abort")).toHaveLength(1);
    const done = startDeadline("m", 60_000, caller.signal);
    const running = startDeadline("m", 60_000, caller.signal);
    done.dispose();
    caller.abort(new Error("stop"));
    expect(running.signal.aborted).toBe(true);
    expect(running.reason()).toMatchObject({ kind: "aborted" });
    // A finished attempt is not touched by a later abort.
    expect(done.signal.aborted).toBe(false);
    running.dispose();
  });

  it("starts aborted under an aborted signal, and times out on its own otherwise", () => {
    const caller = new AbortController();
    caller.abort();
    const late = startDeadline("m", 60_000, caller.signal);
    expect(late.signal.aborted).toBe(true);
    expect(late.reason()).toMatchObject({ kind: "aborted" });
    late.dispose();
    const slow = startDeadline("m", 20);
    vi.advanceTimersByTime(19);
    expect(slow.signal.aborted).toBe(false);
    expect(slow.reason()).toBeUndefined();
    vi.advanceTimersByTime(1);
    expect(slow.signal.aborted).toBe(true);
    expect(slow.reason()).toMatchObject({ kind: "timeout", message: "m did not answer within 20 ms." });
    slow.dispose();
  });

  it("measures silence for streams: each touch restarts the timer", () => {
    // Four gaps of 150 ms outlast the 200 ms timeout in total, but none of them alone does.
    const stream = startDeadline("m", 200);
    for (let i = 0; i < 4; i++) {
      vi.advanceTimersByTime(150);
      stream.touch();
    }
    expect(stream.signal.aborted).toBe(false);
    vi.advanceTimersByTime(199);
    expect(stream.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(stream.reason()).toMatchObject({ kind: "timeout" });
    stream.dispose();
  });

  it("stops timing once disposed, and its signal tells of a stop that came before it was first read", () => {
    const finished = startDeadline("m", 20);
    finished.dispose();
    vi.advanceTimersByTime(1000);
    expect(finished.signal.aborted).toBe(false);
    expect(finished.reason()).toBeUndefined();
    expect(vi.getTimerCount()).toBe(0);

    const unread = startDeadline("m", 20);
    vi.advanceTimersByTime(20);
    // The signal is made on first use and still carries the earlier timeout.
    expect(unread.signal.aborted).toBe(true);
    expect(unread.signal.reason).toMatchObject({ message: "timed out after 20 ms" });
    unread.dispose();
  });
});
