import { describe, expect, it } from "vitest";
import {
  collectStream,
  costOf,
  createFakeModel,
  createPriceTable,
  LlmError,
  UsageMeter,
  withUsage,
  wrapModel,
} from "../../src/llm/index.ts";

const hello = { messages: [{ role: "user" as const, content: "hi" }] };
const answer = (promptTokens: number, completionTokens: number) => ({
  text: "ok",
  usage: { promptTokens, completionTokens },
});

describe("price table", () => {
  it("prefers configured prices, then exact ids, then the longest matching prefix", () => {
    const table = createPriceTable({
      "openai:gpt-4.1*": { input: 2, output: 8 },
      "openai:gpt-4.1-mini": { input: 0.4, output: 1.6 },
      "minimax:M2-her": { input: 1, output: 1 },
    });
    expect(table.priceFor("openai:gpt-4.1-mini")).toEqual({ input: 0.4, output: 1.6 });
    expect(table.priceFor("openai:gpt-4.1-nano")).toEqual({ input: 2, output: 8 });
    expect(table.priceFor("minimax:M2-her")).toEqual({ input: 1, output: 1 });
    expect(table.priceFor("local:/models/x.gguf")).toEqual({ input: 0, output: 0 });
    expect(table.priceFor("http://gpu:8000/v1#qwen")).toBeUndefined();
    expect(createPriceTable().priceFor("minimax:M2-her")).toEqual({ input: 0.3, output: 1.2 });
  });

  it("prices per million tokens", () => {
    expect(costOf({ promptTokens: 1_000_000, completionTokens: 500_000 }, { input: 0.3, output: 1.2 })).toBeCloseTo(
      0.9,
    );
    expect(costOf({ promptTokens: 1200, completionTokens: 300 }, { input: 2, output: 8 })).toBeCloseTo(0.0048);
  });
});

describe("withUsage and UsageMeter", () => {
  it("fills costUsd and totals by role and model", async () => {
    const meter = new UsageMeter();
    const prices = createPriceTable({ "fake:player": { input: 10, output: 20 } });
    const player = wrapModel(
      createFakeModel({ name: "player", script: { default: [answer(1000, 100)] } }),
      withUsage({ meter, prices }),
    );
    const judge = wrapModel(
      createFakeModel({ name: "judge", script: { default: [answer(3000, 50)] } }),
      withUsage({ meter, prices, price: { input: 1, output: 1 } }),
    );
    const seen: number[] = [];
    const unsubscribe = meter.subscribe((m) => seen.push(m.snapshot().calls));
    const r1 = await player.chat(hello, { role: "player" });
    await player.chat(hello, { role: "player" });
    await collectStream(player.stream(hello, { role: "user-sim" }));
    const r2 = await judge.chat(hello, { role: "judge" });
    unsubscribe();
    expect(r1.costUsd).toBeCloseTo((1000 * 10 + 100 * 20) / 1e6);
    expect(r2.costUsd).toBeCloseTo(3050 / 1e6);
    const totals = meter.snapshot();
    expect(totals).toMatchObject({ calls: 4, promptTokens: 6000, completionTokens: 350, unpricedCalls: 0 });
    expect(totals.costUsd).toBeCloseTo((3 * 12_000 + 3050) / 1e6);
    expect(totals.byRole["player"]).toMatchObject({ calls: 2, promptTokens: 2000 });
    expect(totals.byRole["user-sim"]).toMatchObject({ calls: 1 });
    expect(totals.byModel["fake:judge"]).toMatchObject({ calls: 1, promptTokens: 3000 });
    expect(seen).toEqual([1, 2, 3, 4]);
  });

  it("charges nothing for cached answers, flags unpriced ones and counts failures", async () => {
    const meter = new UsageMeter();
    const prices = createPriceTable();
    const cachedModel = {
      ...createFakeModel(),
      id: "http://h/v1#m",
      chat: async () => ({
        text: "c",
        finishReason: "stop" as const,
        usage: { promptTokens: 5, completionTokens: 5 },
        model: "http://h/v1#m",
        latencyMs: 0,
        cached: true,
      }),
    };
    const cached = await wrapModel(cachedModel, withUsage({ meter, prices, price: { input: 1, output: 1 } })).chat(
      hello,
    );
    expect(cached.costUsd).toBe(0);
    const unpriced = wrapModel({ ...createFakeModel(), id: "http://h/v1#m" }, withUsage({ meter, prices }));
    const plain = await unpriced.chat(hello, { role: "judge" });
    expect(plain.costUsd).toBeUndefined();
    const failing = wrapModel(
      createFakeModel({ script: { default: () => new LlmError("auth", "no") } }),
      withUsage({ meter, prices }),
    );
    await expect(failing.chat(hello, { role: "judge" })).rejects.toBeInstanceOf(LlmError);
    const totals = meter.snapshot();
    expect(totals).toMatchObject({ calls: 2, cachedCalls: 1, unpricedCalls: 1, failedCalls: 1, estimatedCalls: 1 });
    expect(totals.promptTokens).toBe(plain.usage.promptTokens);
    expect(totals.byRole["judge"]).toMatchObject({ calls: 1, failedCalls: 1 });
  });
});
