// The official openai client (6.49) against troupe's /v1 routes, with a gateway over a real ChatModel on the fake
// LLM server: non-streamed, streamed, the stream accumulator's invariants, n > 1, include_usage, models, abort.

import type { FastifyInstance } from "fastify";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeLlmServer, startFakeLlmServer } from "../../support/fake-llm-server.ts";
import { waitUntil } from "../../support/wait-until.ts";
import { fakeServerModel, type GatewayLog, modelGateway, startWireApp, TEST_KEY } from "./wire-test-app.ts";

const REPLY = "The lantern flickers; Mira smiles and pours you a cup of tea, steam curling into the cold air.";

let fake: FakeLlmServer;
let app: FastifyInstance;
let log: GatewayLog;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeLlmServer({
    reply: () => ({ text: REPLY, chunkChars: 10, usage: { prompt: 12, completion: 20 } }),
  });
  const gateway = modelGateway(await fakeServerModel(fake.openaiBaseUrl));
  log = gateway.log;
  const started = await startWireApp(gateway);
  app = started.app;
  client = new OpenAI({ baseURL: `${started.url}/v1`, apiKey: TEST_KEY, maxRetries: 0 });
});
afterAll(async () => {
  await app.close();
  await fake.close();
});
beforeEach(() => {
  fake.reset();
  fake.setReply(() => ({ text: REPLY, chunkChars: 10, usage: { prompt: 12, completion: 20 } }));
  log.requests.length = 0;
  log.signals.length = 0;
});

const messages = [
  { role: "developer" as const, content: "You are Mira, an innkeeper." },
  { role: "user" as const, content: [{ type: "text" as const, text: "Hello?" }] },
];

describe("POST /v1/chat/completions with the openai client", () => {
  it("answers a non-streamed call in OpenAI's shape, with the request id and decoded request", async () => {
    const { data, response, request_id } = await client.chat.completions
      .create({
        model: "fake",
        messages,
        temperature: 0.5,
        max_completion_tokens: 300,
        user: "end-7",
        // @ts-expect-error a backend sampler the OpenAI types do not know: accepted and passed on
        top_k: 40,
      })
      .withResponse();
    expect(data.object).toBe("chat.completion");
    expect(data.choices).toHaveLength(1);
    expect(data.choices[0]).toMatchObject({
      index: 0,
      message: { role: "assistant", content: REPLY },
      finish_reason: "stop",
    });
    expect(data.usage).toEqual({ prompt_tokens: 12, completion_tokens: 20, total_tokens: 32 });
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(request_id).toBeTruthy();
    expect(log.requests[0]).toMatchObject({
      model: "fake",
      n: 1,
      api: "openai",
      endUser: "end-7",
      messages: [
        { role: "system", content: "You are Mira, an innkeeper." },
        { role: "user", content: "Hello?" },
      ],
      sampling: { temperature: 0.5, maxTokens: 300 },
      extra: { top_k: 40 },
      retryCount: 0,
    });
    expect(fake.requests[0]?.body).toMatchObject({ temperature: 0.5, max_tokens: 300 });
  });

  it("streams chunks that open with the assistant role, carry one id, and end with finish_reason", async () => {
    const stream = await client.chat.completions.create({ model: "fake", messages, stream: true });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(3);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(new Set(chunks.map((c) => c.created)).size).toBe(1);
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: "assistant", content: "" });
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("stop");
    expect(chunks.every((c) => c.object === "chat.completion.chunk" && !("usage" in c))).toBe(true);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe(REPLY);
  });

  it("satisfies the stream accumulator (finalChatCompletion) with n = 2", async () => {
    const runner = client.chat.completions.stream({ model: "fake", messages, n: 2 });
    const final = await runner.finalChatCompletion();
    expect(final.choices.map((c) => [c.index, c.message.role, c.message.content, c.finish_reason])).toEqual([
      [0, "assistant", REPLY, "stop"],
      [1, "assistant", REPLY, "stop"],
    ]);
    expect(log.requests[0]?.n).toBe(2);
    expect(fake.callCount).toBe(2);
  });

  it("returns n choices non-streamed, and reports length as finish_reason", async () => {
    fake.setReply((_r, i) => ({ text: `candidate ${i}`, finishReason: i === 1 ? "length" : "stop" }));
    const completion = await client.chat.completions.create({ model: "fake", messages, n: 2 });
    expect(completion.choices.map((c) => [c.message.content, c.finish_reason])).toEqual([
      ["candidate 0", "stop"],
      ["candidate 1", "length"],
    ]);
  });

  it("sends a usage chunk with no choices before [DONE] when include_usage is set, usage null elsewhere", async () => {
    const stream = await client.chat.completions.create({
      model: "fake",
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual({ prompt_tokens: 12, completion_tokens: 20, total_tokens: 32 });
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
  });

  it("ends the stream with data: [DONE] after SSE headers that keep the request id", async () => {
    const response = await fetch(`${client.baseURL}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "fake", messages: [{ role: "user", content: "hi" }], stream: true }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("no-cache, no-transform");
    expect(response.headers.get("x-request-id")).toBeTruthy();
    const text = await response.text();
    expect(text.endsWith("data: [DONE]\n\n")).toBe(true);
  });

  it("aborts the gateway's signal when the client breaks out of a stream", async () => {
    // Upstream never answers: the only way the call ends is the abort the client's break causes.
    fake.setReply(() => ({ fault: "timeout" }));
    const stream = await client.chat.completions.create({ model: "fake", messages, stream: true });
    for await (const chunk of stream) {
      expect(chunk.choices[0]?.delta.role).toBe("assistant");
      break;
    }
    await waitUntil(() => log.signals[0]?.aborted === true);
    expect(log.signals[0]?.aborted).toBe(true);
  });
});

describe("client disconnects", () => {
  it("aborts the gateway's signal when a non-streamed call is cancelled", async () => {
    fake.setReply(() => ({ fault: "timeout" }));
    const controller = new AbortController();
    const call = client.chat.completions.create({ model: "fake", messages }, { signal: controller.signal });
    await waitUntil(() => fake.callCount === 1);
    controller.abort();
    await expect(call).rejects.toBeInstanceOf(OpenAI.APIUserAbortError);
    await waitUntil(() => log.signals[0]?.aborted === true);
    expect(log.signals[0]?.aborted).toBe(true);
  });
});

describe("GET /v1/models", () => {
  it("lists the served models and retrieves one", async () => {
    const page = await client.models.list();
    expect(page.data).toEqual([{ id: "fake", object: "model", created: 1_700_000_000, owned_by: "troupe" }]);
    expect(await client.models.retrieve("fake")).toMatchObject({ id: "fake", object: "model" });
  });

  it("answers an unknown model with a 404 model_not_found in OpenAI's shape", async () => {
    const error = await client.models.retrieve("nope").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(error).toMatchObject({ status: 404, code: "model_not_found", type: "invalid_request_error" });
  });
});
