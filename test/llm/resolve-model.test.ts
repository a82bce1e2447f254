import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { ConfigError, loadConfig, type TroupeConfig, UsageError } from "../../src/core/index.ts";
import {
  closeCassettes,
  collectStream,
  generateObject,
  resetEndpointStates,
  resolveModel,
  UsageMeter,
} from "../../src/llm/index.ts";
import { disposeLocalModels } from "../../src/llm/providers/local-runtime.ts";
import { type FakeLlmServer, presets, startFakeLlmServer } from "../support/fake-llm-server.ts";
import { openTestSqlite, type TestStore } from "../support/stores.ts";

let server: FakeLlmServer;
let sqlite: TestStore;

beforeAll(async () => {
  server = await startFakeLlmServer();
  sqlite = await openTestSqlite();
});
afterAll(async () => {
  await server.close();
  await sqlite.cleanup();
  await closeCassettes();
  await disposeLocalModels();
});
beforeEach(() => {
  server.reset();
  server.setOptions({ reply: presets.auto, faults: { rate: 0 } });
  resetEndpointStates();
});

function config(extra: Partial<TroupeConfig> = {}, env: Record<string, string> = {}): TroupeConfig {
  return { ...loadConfig({ env, cwd: "/nonexistent" }), ...extra };
}

const hello = { messages: [{ role: "user" as const, content: "hello" }] };

describe("resolveModel", () => {
  it("builds an OpenAI-compatible model from a URL spec, priced from config, metered by role", async () => {
    const meter = new UsageMeter();
    const spec = `${server.openaiBaseUrl}#fake`;
    const model = await resolveModel(spec, {
      config: config({ prices: { [spec]: { input: 1_000_000, output: 0 } } }),
      meter,
    });
    expect(model.id).toBe(spec);
    expect(model.provider).toBe("http");
    const result = await model.chat(hello, { role: "judge" });
    expect(result.costUsd).toBe(result.usage.promptTokens);
    expect(meter.snapshot().byRole["judge"]).toMatchObject({ calls: 1, costUsd: result.usage.promptTokens });
  });

  it("applies a named endpoint's sampling defaults beneath the request's own values", async () => {
    const model = await resolveModel("writer", {
      config: config({
        models: { writer: { baseUrl: server.openaiBaseUrl, model: "w", temperature: 0.3, maxTokens: 99 } },
      }),
      defaults: { topP: 0.5, temperature: 1 },
    });
    await model.chat(hello);
    await model.chat({ ...hello, temperature: 0.9 });
    expect(server.requests[0]?.body).toMatchObject({ model: "w", temperature: 0.3, max_tokens: 99, top_p: 0.5 });
    expect(server.requests[1]?.body).toMatchObject({ temperature: 0.9 });
  });

  it("reaches MiniMax through MINIMAX_BASE_URL", async () => {
    const model = await resolveModel("minimax:M2-her", {
      config: config({}, { MINIMAX_API_KEY: "k", MINIMAX_BASE_URL: `${server.openaiBaseUrl}` }),
    });
    const result = await model.chat(hello);
    expect(result.model).toBe("minimax:M2-her");
    expect(result.costUsd).toBeGreaterThan(0);
    expect(server.requests[0]?.path).toBe("/v1/text/chatcompletion_v2");
  });

  it("caches in the store when given one, keyed per run", async () => {
    const model = await resolveModel(`${server.openaiBaseUrl}#cached`, { config: config(), store: sqlite.store });
    const first = await model.chat(hello, { runIndex: 1 });
    const second = await model.chat(hello, { runIndex: 1 });
    await model.chat(hello, { runIndex: 2 });
    expect(second).toMatchObject({ text: first.text, cached: true, costUsd: 0, latencyMs: 0 });
    expect(server.callCount).toBe(2);
    const uncached = await resolveModel(`${server.openaiBaseUrl}#cached`, {
      config: config(),
      store: sqlite.store,
      cache: false,
    });
    await uncached.chat(hello, { runIndex: 1 });
    expect(server.callCount).toBe(3);
  });

  it("records a cassette and replays it with the server gone quiet", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "troupe-resolve-")), "calls.jsonl");
    const spec = `${server.openaiBaseUrl}#taped`;
    const recorder = await resolveModel(spec, { config: config(), cassette: { path, mode: "record" } });
    const live = await recorder.chat(hello, { role: "player", seed: 4 });
    expect(readFileSync(path, "utf8").trim().split("\n")).toHaveLength(1);
    server.setOptions({ reply: () => ({ fault: "http", status: 500 }) });
    const player = await resolveModel(spec, { config: config(), cassette: { path, mode: "replay" } });
    const meter = new UsageMeter();
    const replayed = await resolveModel(spec, { config: config(), meter, cassette: { path, mode: "replay" } });
    expect(await player.chat(hello, { role: "player", seed: 4 })).toMatchObject({ text: live.text, cached: true });
    await collectStream(replayed.stream(hello, { role: "player", seed: 4 }));
    await expect(replayed.chat(hello, { role: "player", seed: 5 })).rejects.toMatchObject({
      code: "llm.cassette_miss",
    });
    expect(server.callCount).toBe(1);
    expect(meter.snapshot()).toMatchObject({ calls: 1, cachedCalls: 1, failedCalls: 1 });
  });

  it("retries through the stack and counts the retries", async () => {
    let n = 0;
    server.setOptions({ reply: () => (n++ < 2 ? { fault: "rate_limit", retryAfterMs: 15 } : "finally") });
    const waits: number[] = [];
    const meter = new UsageMeter();
    const model = await resolveModel(`${server.openaiBaseUrl}#retry`, {
      config: config(),
      meter,
      retry: { sleep: async (ms) => void waits.push(ms), random: () => 0 },
    });
    expect(await model.chat(hello)).toMatchObject({ text: "finally", retries: 2 });
    expect(waits).toEqual([15, 15]);
    expect(meter.snapshot().retries).toBe(2);
  });

  it("gives structured output end to end over HTTP", async () => {
    const model = await resolveModel(`${server.openaiBaseUrl}#json`, { config: config() });
    const { object } = await generateObject(
      model,
      hello,
      z.object({ mood: z.enum(["calm", "tense"]), turns: z.number().int() }),
    );
    expect(["calm", "tense"]).toContain(object.mood);
    expect(server.requests[0]?.body.response_format.type).toBe("json_schema");
  });

  it("fails with typed errors for bad specs and missing keys, and never yields the fake model", async () => {
    await expect(resolveModel("nonsense", { config: config() })).rejects.toBeInstanceOf(UsageError);
    await expect(resolveModel("fake:scripted", { config: config() })).rejects.toThrow(/test double/);
    await expect(resolveModel("minimax:M2-her", { config: config() })).rejects.toBeInstanceOf(ConfigError);
  });

  it("loads a local GGUF lazily through the local provider", async () => {
    const path = resolve(import.meta.dirname, "../../../shared/models/stories260K.gguf");
    const meter = new UsageMeter();
    const model = await resolveModel(`local:${path}`, { config: config(), meter });
    expect(model.id).toBe(`local:${path}`);
    expect(model.provider).toBe("local");
    const result = await model.chat({ ...hello, maxTokens: 8, temperature: 0 }, { role: "player" });
    expect(result.text.length).toBeGreaterThan(0);
    expect(result.costUsd).toBe(0);
    expect(meter.snapshot().byModel[`local:${path}`]).toMatchObject({ calls: 1 });
  });

  it("loads a local GGUF with the context size of its #ctx= suffix, and says how to raise it", async () => {
    const path = resolve(import.meta.dirname, "../../../shared/models/stories260K.gguf");
    const model = await resolveModel(`local:${path}#ctx=256`, { config: config() });
    expect(model.id).toBe(`local:${path}`);
    // ~400 tokens: fits the default 2048 of this model, not the 256 asked for.
    const long = { messages: [{ role: "user" as const, content: "the cat sat on the mat. ".repeat(60) }] };
    const error = await model.chat({ ...long, maxTokens: 4 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "invalid_request", message: expect.stringMatching(/holds 256\b/) });
    expect((error as { hint: string }).hint).toMatch(/#ctx=<tokens>/);
    expect((error as { hint: string }).hint).toMatch(/contextSize:.*troupe\.config\.yaml/s);
    // The same file by a named endpoint's contextSize.
    const named = await resolveModel("small", {
      config: config({ models: { small: { spec: `local:${path}`, contextSize: 256 } } }),
    });
    await expect(named.chat({ ...long, maxTokens: 4 })).rejects.toThrow(/holds 256\b/);
  });
});
