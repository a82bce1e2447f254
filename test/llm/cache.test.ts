import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ChatRequest,
  collectStream,
  createFakeModel,
  LlmError,
  ResponseCache,
  requestKey,
  withCache,
  wrapModel,
} from "../../src/llm/index.ts";
import { storeFactories, type TestStore } from "../support/stores.ts";

const hello: ChatRequest = { messages: [{ role: "user", content: "hi" }], temperature: 0.8 };

describe("requestKey", () => {
  it("covers model, parameters, messages, role, run index and seed, and nothing else", () => {
    const base = requestKey("m", hello, { role: "player", seed: 1, runIndex: 1 });
    expect(
      requestKey(
        "m",
        { temperature: 0.8, messages: [{ content: "hi", role: "user" }] },
        { runIndex: 1, seed: 1, role: "player" },
      ),
    ).toBe(base);
    expect(requestKey("m", hello, { role: "player", seed: 1, runIndex: 1, tags: { turn: 3 }, timeoutMs: 5 })).toBe(
      base,
    );
    const variants = [
      requestKey("other", hello, { role: "player", seed: 1, runIndex: 1 }),
      requestKey("m", { ...hello, temperature: 0.9 }, { role: "player", seed: 1, runIndex: 1 }),
      requestKey("m", { ...hello, maxTokens: 10 }, { role: "player", seed: 1, runIndex: 1 }),
      requestKey(
        "m",
        { ...hello, messages: [{ role: "user", content: "hi!" }] },
        { role: "player", seed: 1, runIndex: 1 },
      ),
      requestKey(
        "m",
        { ...hello, messages: [{ role: "user", content: "hi", name: "Kai" }] },
        { role: "player", seed: 1, runIndex: 1 },
      ),
      requestKey("m", hello, { role: "judge", seed: 1, runIndex: 1 }),
      requestKey("m", hello, { role: "player", seed: 2, runIndex: 1 }),
      requestKey("m", hello, { role: "player", seed: 1, runIndex: 2 }),
      requestKey("m", hello, { role: "player", runIndex: 1 }),
    ];
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
  });
});

const factories = await storeFactories();

describe.each(factories)("response cache on %s", (_dialect, open) => {
  let current: TestStore;
  beforeAll(async () => {
    current = await open("llm_cache");
  });
  afterAll(() => current.cleanup());

  it("answers a repeated call from the store and keeps runs and seeds independent", async () => {
    const inner = createFakeModel({ name: `cache-${_dialect}` });
    const cache = new ResponseCache(current.store);
    const model = wrapModel(inner, withCache(cache));
    const first = await model.chat(hello, { role: "player", runIndex: 1, seed: 7 });
    const again = await model.chat(hello, { role: "player", runIndex: 1, seed: 7 });
    expect(inner.calls).toHaveLength(1);
    expect(again).toEqual({ ...first, cached: true, latencyMs: 0 });
    expect(first.cached).toBeUndefined();
    const run2 = await model.chat(hello, { role: "player", runIndex: 2, seed: 7 });
    const seed8 = await model.chat(hello, { role: "player", runIndex: 1, seed: 8 });
    expect(inner.calls).toHaveLength(3);
    expect(new Set([first.text, run2.text, seed8.text]).size).toBe(3);
    // A second cache object over the same store (another process) sees the same entries.
    const reopened = wrapModel(inner, withCache(new ResponseCache(current.store)));
    expect((await reopened.chat(hello, { role: "player", runIndex: 2, seed: 7 })).cached).toBe(true);
    expect(inner.calls).toHaveLength(3);
  });

  it("never caches an error", async () => {
    let fail = true;
    const inner = createFakeModel({
      name: `errors-${_dialect}`,
      script: { default: () => (fail ? new LlmError("server", "boom") : "recovered") },
    });
    const model = wrapModel(inner, withCache(new ResponseCache(current.store)));
    await expect(model.chat(hello)).rejects.toMatchObject({ kind: "server" });
    fail = false;
    expect((await model.chat(hello)).text).toBe("recovered");
    expect((await model.chat(hello)).cached).toBe(true);
    expect(inner.calls).toHaveLength(2);
  });

  it("skips reading and writing with noCache", async () => {
    const inner = createFakeModel({ name: `nocache-${_dialect}` });
    const cache = new ResponseCache(current.store);
    const model = wrapModel(inner, withCache(cache));
    const before = await cache.size();
    await model.chat(hello, { noCache: true });
    await model.chat(hello, { noCache: true });
    expect(inner.calls).toHaveLength(2);
    expect(await cache.size()).toBe(before);
  });

  it("stores a streamed answer and replays it as one delta", async () => {
    const inner = createFakeModel({ name: `stream-${_dialect}`, chunkChars: 3 });
    const model = wrapModel(inner, withCache(new ResponseCache(current.store)));
    const chunks = [];
    for await (const c of model.stream(hello)) chunks.push(c);
    expect(chunks.length).toBeGreaterThan(3);
    const replay = [];
    for await (const c of model.stream(hello)) replay.push(c);
    expect(replay).toHaveLength(2);
    expect(replay[0]).toEqual({ type: "delta", text: (await collectStream(inner.stream(hello))).text });
    expect(replay[1]).toMatchObject({ type: "finish", result: { cached: true } });
    expect(inner.calls).toHaveLength(2);
  });
});
