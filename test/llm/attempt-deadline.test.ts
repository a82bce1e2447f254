import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { startDeadline } from "../../src/llm/attempt-deadline.ts";

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

  it("starts aborted under an aborted signal, and times out on its own otherwise", async () => {
    const caller = new AbortController();
    caller.abort();
    const late = startDeadline("m", 60_000, caller.signal);
    expect(late.signal.aborted).toBe(true);
    expect(late.reason()).toMatchObject({ kind: "aborted" });
    late.dispose();
    const slow = startDeadline("m", 20);
    await new Promise((r) => setTimeout(r, 40));
    expect(slow.signal.aborted).toBe(true);
    expect(slow.reason()).toMatchObject({ kind: "timeout" });
    slow.dispose();
  });

  it("measures silence for streams: each touch restarts the timer", async () => {
    // Four gaps of 50 ms outlast the 200 ms timeout in total, but none of them alone does.
    const stream = startDeadline("m", 200);
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 50));
      stream.touch();
    }
    expect(stream.signal.aborted).toBe(false);
    await new Promise((r) => setTimeout(r, 400));
    expect(stream.reason()).toMatchObject({ kind: "timeout" });
    stream.dispose();
  });

  it("calls a transport's cancel hook once on timeout or abort, at once when bound late, never after dispose", async () => {
    const reasons: string[] = [];
    const timed = startDeadline("m", 20);
    timed.onCancel((reason) => reasons.push(reason.message));
    await new Promise((r) => setTimeout(r, 40));
    expect(reasons).toEqual(["timed out after 20 ms"]);
    // The signal is made on first use and still tells of the earlier stop.
    expect(timed.signal.aborted).toBe(true);
    timed.onCancel((reason) => reasons.push(`late: ${reason.message}`));
    expect(reasons).toEqual(["timed out after 20 ms", "late: timed out after 20 ms"]);
    timed.dispose();

    const caller = new AbortController();
    const running = startDeadline("m", 60_000, caller.signal);
    const finished = startDeadline("m", 60_000, caller.signal);
    running.onCancel(() => reasons.push("running"));
    finished.onCancel(() => reasons.push("finished"));
    finished.dispose();
    caller.abort(new Error("stop"));
    expect(reasons.slice(2)).toEqual(["running"]);
    expect(running.reason()).toMatchObject({ kind: "aborted" });
    running.dispose();
  });
});
