import { describe, expect, it } from "vitest";
import {
  backoffDelay,
  type ChatModel,
  collectStream,
  createFakeModel,
  LlmError,
  RetryBudget,
  withRetry,
  wrapModel,
} from "../../src/llm/index.ts";

const hello = { messages: [{ role: "user" as const, content: "hi" }] };
const rateLimited = (retryAfterMs?: number) =>
  new LlmError("rate_limit", "429", retryAfterMs === undefined ? {} : { retryAfterMs });

/** A model that fails its first `failures.length` calls with those errors, then answers "ok". */
function flaky(failures: LlmError[]): ChatModel & { calls: unknown[] } {
  return createFakeModel({ script: { default: (turn) => failures[turn.call] ?? "ok" } });
}

function recorder() {
  const delays: number[] = [];
  return { delays, sleep: async (ms: number) => void delays.push(ms) };
}

describe("backoffDelay", () => {
  const opts = { baseDelayMs: 100, maxDelayMs: 1000 };
  it("is full jitter under an exponential ceiling", () => {
    const e = new LlmError("server", "x");
    expect([0, 1, 2, 3, 4, 5].map((n) => backoffDelay(n, e, opts, () => 0.5))).toEqual([50, 100, 200, 400, 500, 500]);
    expect(backoffDelay(3, e, opts, () => 0)).toBe(0);
    expect(backoffDelay(3, e, opts, () => 0.999)).toBeCloseTo(799.2);
  });
  it("treats Retry-After as a floor and waits long on quota_wait", () => {
    expect(backoffDelay(0, rateLimited(5000), opts, () => 0.5)).toBe(5000);
    expect(backoffDelay(4, rateLimited(10), opts, () => 0.5)).toBe(500);
    expect(backoffDelay(0, new LlmError("quota_wait", "2056"), opts, () => 0)).toBe(1000);
    expect(backoffDelay(0, new LlmError("quota_wait", "2056", { retryAfterMs: 7000 }), opts, () => 0)).toBe(7000);
  });
});

describe("withRetry", () => {
  it("retries retryable errors with back-off and records the retries", async () => {
    const { delays, sleep } = recorder();
    const inner = flaky([new LlmError("server", "500"), rateLimited(3000), new LlmError("connection", "reset")]);
    const model = wrapModel(inner, withRetry({ baseDelayMs: 100, maxDelayMs: 10_000, random: () => 0.5, sleep }));
    const result = await model.chat(hello);
    expect(result.text).toBe("ok");
    expect(result.retries).toBe(3);
    expect(delays).toEqual([50, 3000, 200]);
    expect(inner.calls).toHaveLength(4);
  });

  it("does not retry errors retrying cannot fix", async () => {
    const { delays, sleep } = recorder();
    for (const kind of [
      "auth",
      "balance",
      "invalid_request",
      "content_flagged",
      "unreachable",
      "invalid_output",
    ] as const) {
      const inner = flaky([new LlmError(kind, kind)]);
      const model = wrapModel(inner, withRetry({ sleep }));
      await expect(model.chat(hello)).rejects.toMatchObject({ kind });
      expect(inner.calls).toHaveLength(1);
    }
    expect(delays).toEqual([]);
  });

  it("gives up after maxRetries with the last error's kind", async () => {
    const { delays, sleep } = recorder();
    const inner = flaky(Array.from({ length: 10 }, () => new LlmError("server", "boom", { status: 503 })));
    const model = wrapModel(inner, withRetry({ maxRetries: 2, sleep, random: () => 0 }));
    const error = (await model.chat(hello).catch((e) => e)) as LlmError;
    expect(error).toMatchObject({ kind: "server", status: 503 });
    expect(error.message).toMatch(/gave up after 3 attempts/);
    expect(inner.calls).toHaveLength(3);
    expect(delays).toHaveLength(2);
  });

  it("shares a retry budget across calls and fails with `budget` when it is spent", async () => {
    const { sleep } = recorder();
    const budget = new RetryBudget(3);
    const inner = createFakeModel({ script: { default: () => new LlmError("server", "down") } });
    const model = wrapModel(inner, withRetry({ maxRetries: 10, budget, sleep }));
    const first = (await model.chat(hello).catch((e) => e)) as LlmError;
    expect(first.kind).toBe("budget");
    expect(first.hint).toMatch(/troupe models test/);
    expect(inner.calls).toHaveLength(4);
    const second = (await model.chat(hello).catch((e) => e)) as LlmError;
    expect(second.kind).toBe("budget");
    expect(inner.calls).toHaveLength(5);
    expect(budget.remaining).toBe(0);
  });

  it("fails at once when Retry-After is longer than it will wait", async () => {
    const { delays, sleep } = recorder();
    const model = wrapModel(flaky([rateLimited(3_600_000)]), withRetry({ maxRetryAfterMs: 60_000, sleep }));
    await expect(model.chat(hello)).rejects.toMatchObject({ kind: "rate_limit" });
    expect(delays).toEqual([]);
  });

  it("stops waiting as soon as the caller aborts", async () => {
    const controller = new AbortController();
    // Abort as the 60 s back-off begins (a real sleep): only the abort can end it within the test's time limit.
    const model = wrapModel(flaky([rateLimited(60_000)]), withRetry({ onRetry: () => controller.abort() }));
    await expect(model.chat(hello, { signal: controller.signal })).rejects.toMatchObject({ kind: "aborted" });
  });

  it("retries a stream that fails before its first delta, but not after", async () => {
    const { sleep } = recorder();
    const early = wrapModel(flaky([new LlmError("connection", "reset")]), withRetry({ sleep }));
    const result = await collectStream(early.stream(hello));
    expect(result).toMatchObject({ text: "ok", retries: 1 });

    let calls = 0;
    const midway: ChatModel = {
      id: "midway",
      provider: "fake",
      chat: () => Promise.reject(new Error("unused")),
      async *stream() {
        calls++;
        yield { type: "delta", text: "par" };
        throw new LlmError("connection", "cut");
      },
    };
    const deltas: string[] = [];
    const error = await (async () => {
      try {
        for await (const c of wrapModel(midway, withRetry({ sleep })).stream(hello))
          if (c.type === "delta") deltas.push(c.text);
      } catch (e) {
        return e as LlmError;
      }
    })();
    expect(error?.kind).toBe("connection");
    expect(deltas).toEqual(["par"]);
    expect(calls).toBe(1);
  });
});
