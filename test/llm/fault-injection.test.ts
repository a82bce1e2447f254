import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadConfig, type TroupeConfig } from "../../src/core/index.ts";
import { type ChatModel, LlmError, resetEndpointStates, resolveModel, UsageMeter } from "../../src/llm/index.ts";
import { type FakeLlmServer, startFakeLlmServer } from "../support/fake-llm-server.ts";

// The fault-injection suite: a seeded share of requests fails in every way the fake server knows, and every call
// must either recover through the real middleware stack or fail with the right typed error.
let server: FakeLlmServer;
const delays: number[] = [];

beforeAll(async () => {
  server = await startFakeLlmServer({ maxRecorded: 10_000 });
});
afterAll(() => server.close());
beforeEach(() => {
  resetEndpointStates();
  delays.length = 0;
});

function configFor(endpoint: Record<string, unknown>): TroupeConfig {
  const base = loadConfig({
    env: { MINIMAX_API_KEY: "k", MINIMAX_BASE_URL: server.minimaxBaseUrl },
    cwd: "/nonexistent",
  });
  return { ...base, models: { target: { timeoutMs: 1_000, ...endpoint } }, retry: { ...base.retry, maxRetries: 8 } };
}

async function stack(endpoint: Record<string, unknown>, meter: UsageMeter): Promise<ChatModel> {
  return resolveModel("target", {
    config: configFor(endpoint),
    meter,
    retry: { sleep: async (ms) => void delays.push(ms) },
  });
}

const faultyKinds = [
  "rate_limit",
  "server_500",
  "server_503",
  "reset",
  "slow",
  "timeout",
  "truncated_stream",
  "invalid_json",
  "minimax_error",
] as const;

for (const api of ["openai", "minimax"] as const) {
  describe(`fault injection over ${api}`, () => {
    it("recovers every chat call through retries", async () => {
      server.reset();
      server.setOptions({ faults: { rate: 0.35, seed: 11, kinds: [...faultyKinds], retryAfterMs: 20, slowMs: 60 } });
      const meter = new UsageMeter();
      const model = await stack(
        api === "openai" ? { baseUrl: server.openaiBaseUrl, model: "fake" } : { spec: "minimax:M2-her" },
        meter,
      );
      const results = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          model.chat({ messages: [{ role: "user", content: `turn ${i}` }], temperature: 0.7 }, { role: "player" }),
        ),
      );
      const faults = server.stats.faults;
      const failedAttempts = Object.entries(faults)
        .filter(([kind]) => kind !== "slow")
        .reduce((sum, [, n]) => sum + (n ?? 0), 0);
      expect(new Set(Object.keys(faults)).size).toBeGreaterThanOrEqual(7);
      expect(results.every((r) => r.text.length > 0 && r.finishReason === "stop")).toBe(true);
      // Every request beyond the first of each call is a retry, and every injected failure caused one. (On a loaded
      // machine a slow answer can also run into the timeout, so retries may exceed the failures injected.)
      const retries = results.reduce((sum, r) => sum + (r.retries ?? 0), 0);
      expect(retries).toBe(server.callCount - 60);
      expect(retries).toBeGreaterThanOrEqual(failedAttempts);
      expect(meter.snapshot()).toMatchObject({ calls: 60, failedCalls: 0, retries });
      // Rate limits waited at least their Retry-After.
      expect(delays.length).toBe(retries);
      expect(delays.filter((d) => d >= 20).length).toBeGreaterThanOrEqual(faults.rate_limit ?? 0);
    });

    it("recovers streams that fail before their first delta and reports a cut stream as `connection`", async () => {
      server.reset();
      server.setOptions({ faults: { rate: 0.35, seed: 5, kinds: [...faultyKinds], retryAfterMs: 20, slowMs: 60 } });
      const model = await stack(
        api === "openai" ? { baseUrl: server.openaiBaseUrl, model: "fake" } : { spec: "minimax:M2-her" },
        new UsageMeter(),
      );
      const outcomes = await Promise.all(
        Array.from({ length: 40 }, async (_, i) => {
          let text = "";
          try {
            for await (const c of model.stream({ messages: [{ role: "user", content: `s${i}` }] })) {
              if (c.type === "delta") text += c.text;
              else return { ok: true as const, text: c.result.text, streamed: text };
            }
            return { ok: false as const, error: new Error("no finish") };
          } catch (error) {
            return { ok: false as const, error, partial: text };
          }
        }),
      );
      for (const o of outcomes) {
        if (o.ok) expect(o.streamed).toBe(o.text);
        else {
          // Text already handed out cannot be retried away: the caller gets a typed, retryable error instead.
          expect(o.error).toBeInstanceOf(LlmError);
          expect((o.error as LlmError).kind).toBe("connection");
          expect(o.partial?.length).toBeGreaterThan(0);
        }
      }
      const cut = outcomes.filter((o) => !o.ok).length;
      expect(cut).toBeLessThanOrEqual(server.stats.faults.truncated_stream ?? 0);
      expect(outcomes.filter((o) => o.ok).length).toBeGreaterThan(30);
    });
  });
}

describe("faults that must not be retried", () => {
  it("fails fast and clearly on auth, balance and bad requests", async () => {
    for (const [spec, kind] of [
      [{ fault: "minimax", code: 1004 }, "auth"],
      [{ fault: "minimax", code: 1008 }, "balance"],
      [{ fault: "minimax", code: 1026 }, "content_flagged"],
      [{ fault: "minimax", code: 2013 }, "invalid_request"],
    ] as const) {
      server.reset();
      server.setOptions({ faults: { rate: 0 }, reply: () => spec });
      const model = await stack({ spec: "minimax:M2-her" }, new UsageMeter());
      const error = (await model.chat({ messages: [{ role: "user", content: "x" }] }).catch((e) => e)) as LlmError;
      expect(error.kind).toBe(kind);
      expect(server.callCount).toBe(1);
    }
  });

  it("waits on 2056 and retries with the long delay", async () => {
    server.reset();
    let n = 0;
    server.setOptions({ faults: { rate: 0 }, reply: () => (n++ === 0 ? { fault: "minimax", code: 2056 } : "back") });
    const model = await stack({ spec: "minimax:M2-her" }, new UsageMeter());
    const result = await model.chat({ messages: [{ role: "user", content: "x" }] });
    expect(result).toMatchObject({ text: "back", retries: 1 });
    expect(delays).toEqual([30_000]);
  });
});
