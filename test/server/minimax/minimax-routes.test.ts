// MiniMax's chatcompletion_v2 served by troupe, proven with troupe's own MiniMax client (the real consumer of this
// wire) and with plain fetch for the exact shapes: base_resp on every body, errors on HTTP 200, SSE ending in [DONE].
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { collectStream, LlmError } from "../../../src/llm/index.ts";
import { createMiniMaxModel } from "../../../src/llm/providers/minimax.ts";
import type { GatewayEvent, GatewayRequest } from "../../../src/server/gateway.ts";
import { MINIMAX_CHAT_PATH } from "../../../src/server/minimax/index.ts";
import { type FakeLlmServer, startFakeLlmServer } from "../../support/fake-llm-server.ts";
import { waitUntil } from "../../support/wait-until.ts";
import {
  ACTOR,
  fakeServerModel,
  type GatewayLog,
  modelGateway,
  scriptedGateway,
  startWireApp,
  TEST_KEY,
} from "../openai/wire-test-app.ts";

const REPLY = "Mira wipes the counter and laughs: the road north is closed until the thaw, traveller.";
const START: GatewayEvent = { type: "start", id: "cmpl-1", model: "m", created: 1 };

function failing(error: Error) {
  return (): AsyncIterable<GatewayEvent> => ({
    [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(error) }),
  });
}

const behaviours: Record<string, (request: GatewayRequest, signal: AbortSignal) => AsyncIterable<GatewayEvent>> = {
  upstream_rate: failing(new LlmError("rate_limit", "429 from upstream key sk-upstream-secret")),
  upstream_auth: failing(new LlmError("auth", "rejected sk-upstream-secret", { status: 401 })),
  flagged_output: failing(new LlmError("content_flagged", "flagged", { providerCode: 1027 })),
  async *midstream() {
    yield START;
    yield { type: "delta", choice: 0, text: "Once" };
    throw new LlmError("server", "upstream died with sk-upstream-secret");
  },
  async *hangs(_request, signal) {
    yield START;
    yield { type: "delta", choice: 0, text: "Wait" };
    await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
  },
};

let fake: FakeLlmServer;
let app: FastifyInstance;
let limited: FastifyInstance;
let url: string;
let limitedUrl: string;
let log: GatewayLog;

beforeAll(async () => {
  fake = await startFakeLlmServer({
    reply: () => ({ text: REPLY, chunkChars: 12, usage: { prompt: 30, completion: 18 } }),
  });
  const real = modelGateway(await fakeServerModel(fake.openaiBaseUrl));
  const gateway = scriptedGateway(
    (request, signal) => behaviours[request.model]?.(request, signal) ?? real.complete(ACTOR, request, signal),
  );
  log = gateway.log;
  ({ app, url } = await startWireApp(gateway, { bodyLimit: 64 * 1024 }));
  ({ app: limited, url: limitedUrl } = await startWireApp(gateway, { rateLimit: { max: 1, timeWindow: 60_000 } }));
});
afterAll(async () => {
  await app.close();
  await limited.close();
  await fake.close();
});
beforeEach(() => {
  log.requests.length = 0;
  log.signals.length = 0;
});

/** troupe's MiniMax provider pointed at our server, serving `model`. */
function client(model = "fake", apiKey = TEST_KEY, base = url) {
  return createMiniMaxModel({ id: `minimax:${model}`, baseUrl: base, model, apiKey });
}

const rolePlay = [
  { role: "system" as const, name: "Mira", content: "Mira keeps the Lantern Inn." },
  { role: "user_system" as const, name: "Ash", content: "Ash is a travelling cartographer." },
  { role: "group" as const, content: "The Lantern Inn, winter" },
  { role: "sample_message_user" as const, content: "Any rooms?" },
  { role: "sample_message_ai" as const, content: "One, by the chimney." },
  { role: "user" as const, name: "Ash", content: "Is the north road open?" },
];

async function post(body: unknown, key = TEST_KEY, base = url) {
  return fetch(`${base}${MINIMAX_CHAT_PATH}`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

async function baseResp(body: unknown, key?: string, base?: string) {
  const response = await post(body, key, base);
  expect(response.status).toBe(200);
  return (await response.json()) as { base_resp: { status_code: number; status_msg: string } } & Record<
    string,
    unknown
  >;
}

describe("POST /v1/text/chatcompletion_v2 with troupe's own MiniMax client", () => {
  it("chats, keeping MiniMax's role-play roles and names on their way to the gateway", async () => {
    const result = await client().chat({ messages: rolePlay, temperature: 0.8, maxTokens: 200 });
    expect(result.text).toBe(REPLY);
    expect(result.finishReason).toBe("stop");
    expect(result.usage).toEqual({ promptTokens: 30, completionTokens: 18 });
    expect(log.requests[0]).toMatchObject({
      model: "fake",
      n: 1,
      api: "minimax",
      messages: rolePlay,
      sampling: { temperature: 0.8, maxTokens: 200 },
    });
  });

  it("streams the same reply, ending in a finish", async () => {
    const chunks = [];
    for await (const chunk of client().stream({ messages: rolePlay })) chunks.push(chunk);
    const deltas = chunks.filter((c) => c.type === "delta");
    expect(deltas.length).toBeGreaterThan(2);
    expect(deltas.map((c) => c.text).join("")).toBe(REPLY);
    const final = chunks.at(-1);
    expect(final?.type === "finish" && final.result).toMatchObject({ text: REPLY, finishReason: "stop" });
  });

  it("surfaces server errors as the LlmError kinds MiniMax's codes mean", async () => {
    const auth = await client("fake", "wrong")
      .chat({ messages: rolePlay })
      .catch((e: unknown) => e);
    expect(auth).toMatchObject({ kind: "auth", providerCode: 1004 });
    const unknown = await client("nope")
      .chat({ messages: rolePlay })
      .catch((e: unknown) => e);
    expect(unknown).toMatchObject({ kind: "invalid_request", providerCode: 2013 });
    const rate = await client("upstream_rate")
      .chat({ messages: rolePlay })
      .catch((e: unknown) => e);
    expect(rate).toMatchObject({ kind: "rate_limit", providerCode: 1002 });
    const flagged = await client("flagged_output")
      .chat({ messages: rolePlay })
      .catch((e: unknown) => e);
    expect(flagged).toMatchObject({ kind: "content_flagged", providerCode: 1027 });
    const midstream = await collectStream(client("midstream").stream({ messages: rolePlay })).catch((e: unknown) => e);
    expect(midstream).toBeInstanceOf(LlmError);
    expect(midstream).toMatchObject({ kind: "server", providerCode: 1000 });
    expect(String((midstream as Error).message)).not.toContain("sk-upstream-secret");
  });

  it("aborts the gateway's signal when the client stops reading", async () => {
    const controller = new AbortController();
    for await (const chunk of client("hangs").stream({ messages: rolePlay }, { signal: controller.signal })) {
      expect(chunk).toEqual({ type: "delta", text: "Wait" });
      controller.abort();
      break;
    }
    await waitUntil(() => log.signals[0]?.aborted === true);
    expect(log.signals[0]?.aborted).toBe(true);
  });
});

describe("chatcompletion_v2 wire shapes", () => {
  it("answers non-streamed with base_resp 0, the envelope and the character's name", async () => {
    const body = await baseResp({ model: "fake", messages: rolePlay });
    expect(body).toMatchObject({
      object: "chat.completion",
      choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content: REPLY, name: "Mira" } }],
      usage: { prompt_tokens: 30, completion_tokens: 18, total_tokens: 48 },
      input_sensitive: false,
      output_sensitive: false,
      base_resp: { status_code: 0, status_msg: "" },
    });
  });

  it("streams chunks that each repeat the envelope, then the whole message, then [DONE]", async () => {
    const response = await post({ model: "fake", messages: rolePlay, stream: true });
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const events = (await response.text())
      .split("\n\n")
      .filter(Boolean)
      .map((event) => event.replace(/^data: /, ""));
    expect(events.at(-1)).toBe("[DONE]");
    const chunks = events.slice(0, -1).map((data) => JSON.parse(data));
    expect(chunks.every((c) => c.object === "chat.completion.chunk" && c.base_resp.status_code === 0)).toBe(true);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    const last = chunks.at(-1);
    expect(last.choices[0]).toMatchObject({ finish_reason: "stop", message: { content: REPLY } });
    expect(last.usage).toMatchObject({ prompt_tokens: 30, completion_tokens: 18 });
    expect(
      chunks
        .slice(0, -1)
        .map((c) => c.choices[0].delta.content)
        .join(""),
    ).toBe(REPLY);
  });

  it("sends every error on HTTP 200 with MiniMax's codes and messages a client can act on", async () => {
    expect((await baseResp({ model: "fake", messages: rolePlay }, "wrong")).base_resp.status_code).toBe(1004);
    const invalid = await baseResp("{oops");
    expect(invalid.base_resp).toEqual({ status_code: 2013, status_msg: "The request body is not valid JSON." });
    const temperature = await baseResp({ model: "fake", messages: rolePlay, temperature: 9 });
    expect(temperature.base_resp.status_code).toBe(2013);
    expect(temperature.base_resp.status_msg).toContain("temperature");
    const role = await baseResp({ model: "fake", messages: [{ role: "narrator", content: "x" }] });
    expect(role.base_resp.status_msg).toContain("messages.0.role");
    const n = await baseResp({ model: "fake", messages: rolePlay, n: 2 });
    expect(n.base_resp.status_msg).toContain("one choice per call");
    const huge = await baseResp({ model: "fake", messages: [{ role: "user", content: "x".repeat(100_000) }] });
    expect(huge.base_resp).toMatchObject({ status_code: 2013, status_msg: expect.stringContaining("over the limit") });
    const auth = await baseResp({ model: "upstream_auth", messages: rolePlay });
    expect(auth.base_resp.status_code).toBe(1000);
    expect(auth.base_resp.status_msg).not.toContain("sk-upstream-secret");
    const flagged = await baseResp({ model: "flagged_output", messages: rolePlay });
    expect(flagged).toMatchObject({ output_sensitive: true, base_resp: { status_code: 1027 } });
  });

  it("answers the per-key rate limit with 1002", async () => {
    expect((await baseResp({ model: "fake", messages: rolePlay }, TEST_KEY, limitedUrl)).base_resp.status_code).toBe(0);
    const second = await baseResp({ model: "fake", messages: rolePlay }, TEST_KEY, limitedUrl);
    expect(second.base_resp.status_code).toBe(1002);
  });

  it("ends a stream that failed midway with an error chunk and no [DONE]", async () => {
    const text = await (await post({ model: "midstream", messages: rolePlay, stream: true })).text();
    const events = text.split("\n\n").filter(Boolean);
    expect(events).toHaveLength(2);
    expect(JSON.parse(events[1]!.slice(6)).base_resp.status_code).toBe(1000);
    expect(text).not.toContain("[DONE]");
  });
});
