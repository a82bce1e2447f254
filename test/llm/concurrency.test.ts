import { describe, expect, it } from "vitest";
import { AdaptiveLimiter, type ChatModel, LlmError, withConcurrency, wrapModel } from "../../src/llm/index.ts";

const tick = () => new Promise((r) => setImmediate(r));

describe("AdaptiveLimiter", () => {
  it("admits up to the limit and queues the rest in order", async () => {
    const limiter = new AdaptiveLimiter({ initial: 2, max: 8 });
    const a = await limiter.acquire();
    const b = await limiter.acquire();
    const order: string[] = [];
    const c = limiter.acquire().then((s) => {
      order.push("c");
      return s;
    });
    const d = limiter.acquire().then((s) => {
      order.push("d");
      return s;
    });
    await tick();
    expect(limiter.active).toBe(2);
    expect(limiter.pending).toBe(2);
    limiter.release(a, "failure");
    limiter.release(b, "failure");
    await Promise.all([c, d]);
    expect(order).toEqual(["c", "d"]);
  });

  it("grows by one per success until the first rate limit, never past the ceiling", async () => {
    const limiter = new AdaptiveLimiter({ initial: 4, max: 64 });
    for (let i = 0; i < 10; i++) limiter.release(await limiter.acquire(), "success");
    expect(limiter.limit).toBe(14);
    for (let i = 0; i < 100; i++) limiter.release(await limiter.acquire(), "success");
    expect(limiter.limit).toBe(64);
  });

  it("after a rate limit, grows by one per full window of successes", async () => {
    const limiter = new AdaptiveLimiter({ initial: 8, max: 64 });
    limiter.release(await limiter.acquire(), "rate_limited");
    expect(limiter.limit).toBe(4);
    for (let i = 0; i < 3; i++) limiter.release(await limiter.acquire(), "success");
    expect(limiter.limit).toBe(4);
    limiter.release(await limiter.acquire(), "success");
    expect(limiter.limit).toBe(5);
    for (let i = 0; i < 5; i++) limiter.release(await limiter.acquire(), "success");
    expect(limiter.limit).toBe(6);
  });

  it("halves on a rate limit, once per burst, down to the floor", async () => {
    const limiter = new AdaptiveLimiter({ initial: 16, max: 64 });
    const burst = await Promise.all(Array.from({ length: 16 }, () => limiter.acquire()));
    // Sixteen calls launched under the same limit all see 429: that is one overload, one halving.
    for (const slot of burst) limiter.release(slot, "rate_limited");
    expect(limiter.limit).toBe(8);
    const next = await limiter.acquire();
    limiter.release(next, "rate_limited");
    expect(limiter.limit).toBe(4);
    for (let i = 0; i < 5; i++) limiter.release(await limiter.acquire(), "rate_limited");
    expect(limiter.limit).toBe(1);
  });

  it("lets a queued call leave when its signal aborts", async () => {
    const limiter = new AdaptiveLimiter({ initial: 1 });
    const held = await limiter.acquire();
    const controller = new AbortController();
    const queued = limiter.acquire(controller.signal);
    controller.abort();
    await expect(queued).rejects.toMatchObject({ kind: "aborted" });
    expect(limiter.pending).toBe(0);
    limiter.release(held, "success");
    expect(limiter.active).toBe(0);
  });
});

describe("withConcurrency", () => {
  it("bounds calls in flight and shrinks on 429s, grows back on success", async () => {
    let inFlight = 0;
    let peak = 0;
    let rateLimit = true;
    const slow: ChatModel = {
      id: "slow",
      provider: "fake",
      async chat() {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        if (rateLimit) throw new LlmError("rate_limit", "429");
        return {
          text: "ok",
          finishReason: "stop",
          usage: { promptTokens: 1, completionTokens: 1 },
          model: "slow",
          latencyMs: 5,
        };
      },
      async *stream() {},
    };
    const limiter = new AdaptiveLimiter({ initial: 8, max: 8 });
    const model = wrapModel(slow, withConcurrency(limiter));
    const hello = { messages: [{ role: "user" as const, content: "x" }] };
    await Promise.allSettled(Array.from({ length: 40 }, () => model.chat(hello)));
    expect(peak).toBeLessThanOrEqual(8);
    expect(limiter.limit).toBeLessThan(8);
    rateLimit = false;
    peak = 0;
    await Promise.all(Array.from({ length: 60 }, () => model.chat(hello)));
    expect(limiter.limit).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(limiter.limit);
    expect(limiter.active).toBe(0);
  });
});
