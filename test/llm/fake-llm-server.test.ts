import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type FakeLlmServer,
  hashText,
  injectedFault,
  presets,
  sampleForSchema,
  sequence,
  startFakeLlmServer,
} from "../support/fake-llm-server.ts";

let server: FakeLlmServer;
let client: OpenAI;

beforeAll(async () => {
  server = await startFakeLlmServer();
  client = new OpenAI({ baseURL: server.openaiBaseUrl, apiKey: "test", maxRetries: 0, timeout: 2_000 });
});
afterAll(() => server.close());

const ask = (content: string) => ({ model: "fake", messages: [{ role: "user" as const, content }] });

describe("fake LLM server", () => {
  it("answers chat completions deterministically from a hash of the messages", async () => {
    server.setReply(presets.hash);
    const a = await client.chat.completions.create(ask("hello"));
    const b = await client.chat.completions.create(ask("hello"));
    const c = await client.chat.completions.create(ask("other"));
    expect(a.choices[0]?.message.content).toBe(b.choices[0]?.message.content);
    expect(a.choices[0]?.message.content).not.toBe(c.choices[0]?.message.content);
    expect(a.usage?.completion_tokens).toBeGreaterThan(0);
    expect(hashText([{ role: "user", content: "你好" }])).toMatch(/[\u4e00-\u9fff]/);
  });

  it("streams SSE with usage and [DONE]", async () => {
    server.setReply(() => "x".repeat(100));
    const stream = await client.chat.completions.create({
      ...ask("hi"),
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let finish: string | null | undefined;
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      finish ??= chunk.choices[0]?.finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe("x".repeat(100));
    expect(finish).toBe("stop");
    expect(usage).toMatchObject({ completion_tokens: 25 });
  });

  it("answers json_schema requests with a schema-valid value", async () => {
    server.setReply(presets.auto);
    const schema = {
      type: "object",
      properties: { score: { type: "integer", minimum: 1, maximum: 5 }, verdict: { enum: ["ok", "bad"] } },
      required: ["score", "verdict"],
    };
    const r = await client.chat.completions.create({
      ...ask("judge"),
      response_format: { type: "json_schema", json_schema: { name: "v", schema } },
    });
    const value = JSON.parse(r.choices[0]?.message.content ?? "");
    expect(value.score).toBeGreaterThanOrEqual(1);
    expect(["ok", "bad"]).toContain(value.verdict);
    expect(server.requests.at(-1)?.schema).toEqual(schema);
    expect(sampleForSchema({ $defs: { a: { const: 3 } }, $ref: "#/$defs/a" })).toBe(3);
  });

  it("turns scripted faults into the errors the openai client raises", async () => {
    server.setReply(
      sequence([
        { fault: "rate_limit", retryAfterMs: 1200 },
        { fault: "http", status: 503 },
        { fault: "reset" },
        { fault: "invalid_json" },
        { fault: "timeout" },
      ]),
    );
    server.reset();
    const e429 = await client.chat.completions.create(ask("a")).catch((e) => e);
    expect(e429).toBeInstanceOf(OpenAI.RateLimitError);
    expect(e429.headers.get("retry-after")).toBe("2");
    expect(e429.headers.get("retry-after-ms")).toBe("1200");
    expect(await client.chat.completions.create(ask("b")).catch((e) => e.status)).toBe(503);
    expect(await client.chat.completions.create(ask("c")).catch((e) => e)).toBeInstanceOf(OpenAI.APIConnectionError);
    await expect(client.chat.completions.create(ask("d"))).rejects.toThrow();
    const slow = await client.chat.completions.create(ask("e"), { timeout: 200 }).catch((e) => e);
    expect(slow).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    expect(server.stats.faults).toMatchObject({ rate_limit: 1, server_503: 1, reset: 1, invalid_json: 1, timeout: 1 });
  });

  it("injects faults as a pure function of seed and call index", () => {
    const faults = { rate: 0.3, seed: 7 };
    const a = Array.from({ length: 200 }, (_, i) => injectedFault(faults, i));
    const b = Array.from({ length: 200 }, (_, i) => injectedFault(faults, i));
    expect(a).toEqual(b);
    const hit = a.filter(Boolean).length;
    expect(hit).toBeGreaterThan(35);
    expect(hit).toBeLessThan(85);
    expect(new Set(a.filter(Boolean)).size).toBeGreaterThan(5);
    expect(injectedFault({ rate: 1, kinds: ["reset"] }, 3)).toBe("reset");
  });

  it("speaks MiniMax chatcompletion_v2 with base_resp and sensitivity flags", async () => {
    server.setReply(
      sequence([
        { text: "hi", outputSensitiveType: 2 },
        { fault: "minimax", code: 1002 },
      ]),
    );
    server.reset();
    const post = (stream = false) =>
      fetch(`${server.minimaxBaseUrl}/v1/text/chatcompletion_v2`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "M2-her", messages: [{ role: "user", content: "x" }], stream }),
      });
    // biome-ignore lint/suspicious/noExplicitAny: raw JSON body.
    const ok: any = await (await post()).json();
    expect(ok.base_resp.status_code).toBe(0);
    expect(ok.choices[0].message.content).toBe("hi");
    expect(ok.output_sensitive).toBe(true);
    const err = await post();
    expect(err.status).toBe(200);
    expect(((await err.json()) as { base_resp: { status_code: number } }).base_resp.status_code).toBe(1002);
    server.setReply(() => ({ text: "abcdef", chunkChars: 2, minimaxFinalMessage: true, done: false }));
    const body = await (await post(true)).text();
    expect(body.match(/^data: /gm)?.length).toBe(4);
    expect(body).not.toContain("[DONE]");
  });
});

describe("fake LLM server launcher", () => {
  it("prints its base URL first and serves requests as a separate process", async () => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", resolve(import.meta.dirname, "../support/fake-llm-server-main.ts")],
      {
        env: { ...process.env, FAKE_LLM_PRESET: "echo" },
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    try {
      const first = await new Promise<string>((resolve) => {
        createInterface({ input: child.stdout }).once("line", resolve);
      });
      expect(first).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
      const c = new OpenAI({ baseURL: first, apiKey: "k", maxRetries: 0 });
      const r = await c.chat.completions.create(ask("ping"));
      expect(r.choices[0]?.message.content).toBe("ping");
      const stats = (await (await fetch(`${first.replace(/\/v1$/, "")}/__fake/stats`)).json()) as { callCount: number };
      expect(stats.callCount).toBe(1);
    } finally {
      child.kill("SIGTERM");
    }
  });
});
