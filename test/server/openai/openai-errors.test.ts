// Errors on /v1 as the openai client sees them: statuses, classes, OpenAI's error body, Retry-After and
// x-should-retry, errors after the stream began, and nothing internal in any message.
import type { FastifyInstance } from "fastify";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LlmError } from "../../../src/llm/index.ts";
import type { GatewayEvent, GatewayRequest } from "../../../src/server/gateway.ts";
import { HttpError } from "../../../src/server/http-error.ts";
import { type ScriptedComplete, scriptedGateway, startWireApp, TEST_KEY } from "./wire-test-app.ts";

const START: GatewayEvent = { type: "start", id: "chatcmpl-x", model: "m", created: 1 };

/** A completion that fails before its first event, as the gateway does for bad models and upstream refusals. */
function failing(make: (request: GatewayRequest) => Error) {
  return (request: GatewayRequest): AsyncIterable<GatewayEvent> => ({
    [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(make(request)) }),
  });
}

/** Completions by model name: each test names the behaviour it wants. */
const behaviours: Record<string, (request: GatewayRequest, signal: AbortSignal) => AsyncIterable<GatewayEvent>> = {
  async *ok() {
    yield START;
    yield { type: "delta", choice: 0, text: "fine" };
    yield { type: "finish", choice: 0, reason: "stop" };
    yield { type: "usage", usage: { promptTokens: 1, completionTokens: 1 } };
  },
  missing: failing((request) => new HttpError(404, "model_not_found", `The model "${request.model}" does not exist.`)),
  conflict: failing(() => new HttpError(409, "chat.busy", "The chat is busy.")),
  upstream_rate: failing(
    () => new LlmError("rate_limit", "upstream said 429 with key sk-upstream-secret", { retryAfterMs: 1500 }),
  ),
  upstream_auth: failing(() => new LlmError("auth", "rejected key sk-upstream-secret", { status: 401 })),
  upstream_down: failing(() => new LlmError("server", "HTTP 500: stack trace at sk-upstream-secret", { status: 500 })),
  flagged: failing(() => new LlmError("content_flagged", "flagged", { providerCode: 1026 })),
  bug: failing(() => new Error("db password hunter2 in message")),
  async *midstream() {
    yield START;
    yield { type: "delta", choice: 0, text: "Once upon" };
    throw new LlmError("connection", "socket reset by sk-upstream-secret");
  },
  async *unfinished() {
    yield START;
    yield { type: "delta", choice: 0, text: "half" };
  },
  async *other_finish() {
    yield START;
    yield { type: "finish", choice: 0, reason: "other" };
  },
};

const complete: ScriptedComplete = (request, signal) => {
  const behaviour = behaviours[request.model];
  if (!behaviour) throw new Error(`no behaviour ${request.model}`);
  return behaviour(request, signal);
};

let app: FastifyInstance;
let limited: FastifyInstance;
let url: string;
let client: OpenAI;
let limitedUrl: string;
const messages = [{ role: "user" as const, content: "hi" }];

beforeAll(async () => {
  const models = [
    { id: "character:ab c", created: 1, ownedBy: "u1" },
    { id: "http://h:1/v1#m", created: 1, ownedBy: "troupe" },
  ];
  ({ app, url } = await startWireApp(scriptedGateway(complete, models), { bodyLimit: 64 * 1024 }));
  ({ app: limited, url: limitedUrl } = await startWireApp(scriptedGateway(complete), {
    rateLimit: { max: 1, timeWindow: 1000 },
  }));
  client = new OpenAI({ baseURL: `${url}/v1`, apiKey: TEST_KEY, maxRetries: 0 });
});
afterAll(async () => {
  await app.close();
  await limited.close();
});

async function failure(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OpenAI.APIError);
  return error as InstanceType<typeof OpenAI.APIError>;
}

async function post(body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${TEST_KEY}`, "content-type": "application/json", ...headers },
    body,
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as { error: object } };
}

describe("/v1 errors through the openai client", () => {
  it("401 AuthenticationError for a wrong key, in OpenAI's shape", async () => {
    const bad = new OpenAI({ baseURL: `${url}/v1`, apiKey: "sk-wrong", maxRetries: 0 });
    const error = await failure(bad.chat.completions.create({ model: "ok", messages }));
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(error).toMatchObject({ status: 401, type: "authentication_error", code: "invalid_api_key" });
    expect(error.message).toBe("401 Invalid API key.");
  });

  it("404 NotFoundError for an unknown model, streamed or not (decided before headers)", async () => {
    for (const stream of [false, true]) {
      const error = await failure(client.chat.completions.create({ model: "missing", messages, stream }));
      expect(error).toBeInstanceOf(OpenAI.NotFoundError);
      expect(error).toMatchObject({ code: "model_not_found", param: null });
    }
  });

  it("400 BadRequestError naming the field at fault", async () => {
    const role = await failure(
      // @ts-expect-error an invalid role on purpose
      client.chat.completions.create({ model: "ok", messages: [{ role: "wizard", content: "x" }] }),
    );
    expect(role).toBeInstanceOf(OpenAI.BadRequestError);
    expect(role).toMatchObject({ param: "messages.0.role", type: "invalid_request_error" });
    const temperature = await failure(client.chat.completions.create({ model: "ok", messages, temperature: 7 }));
    expect(temperature).toMatchObject({ status: 400, param: "temperature" });
    expect(temperature.message).toContain("temperature");
    const image = await failure(
      client.chat.completions.create({
        model: "ok",
        messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "http://x/y.png" } }] }],
      }),
    );
    expect(image).toMatchObject({ status: 400, param: "messages.0.content.0.type" });
    expect(image.message).toContain("Only text content parts");
  });

  it("400 for a body that is not JSON, 413 for one over the limit, 404 for an unknown path", async () => {
    const invalid = await post("{not json");
    expect(invalid.status).toBe(400);
    expect(invalid.body).toEqual({
      error: {
        message: "The request body is not valid JSON.",
        type: "invalid_request_error",
        param: null,
        code: "invalid_json",
      },
    });
    const huge = await failure(
      client.chat.completions.create({ model: "ok", messages: [{ role: "user", content: "x".repeat(100_000) }] }),
    );
    expect(huge).toMatchObject({ status: 413, code: "request_too_large" });
    const unknown = await fetch(`${url}/v1/nope`, { headers: { authorization: `Bearer ${TEST_KEY}` } });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: "unknown_url", type: "invalid_request_error" } });
  });

  it("429 RateLimitError with retry-after, which the client obeys and then succeeds", async () => {
    const once = new OpenAI({ baseURL: `${limitedUrl}/v1`, apiKey: TEST_KEY, maxRetries: 0 });
    await once.chat.completions.create({ model: "ok", messages });
    const limitedError = await failure(once.chat.completions.create({ model: "ok", messages }));
    expect(limitedError).toBeInstanceOf(OpenAI.RateLimitError);
    expect(limitedError).toMatchObject({ type: "rate_limit_error", code: "rate_limit_exceeded" });
    expect(Number(limitedError.headers?.get("retry-after"))).toBeGreaterThan(0);
    expect(limitedError.headers?.get("x-ratelimit-limit")).toBe("1");
    // Retry-After is at most 1 s here; the window then resets, so a retrying client gets through.
    const patient = new OpenAI({ baseURL: `${limitedUrl}/v1`, apiKey: TEST_KEY, maxRetries: 5 });
    const completion = await patient.chat.completions.create({ model: "ok", messages });
    expect(completion.choices[0]?.message.content).toBe("fine");
  });

  it("upstream overload is a 503 with a short Retry-After; the upstream's words never reach the client", async () => {
    const error = await failure(client.chat.completions.create({ model: "upstream_rate", messages }));
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(error).toMatchObject({ status: 503, type: "service_unavailable_error", code: "upstream_rate_limit" });
    expect(error.headers?.get("retry-after")).toBe("2");
    expect(error.message).not.toContain("sk-upstream-secret");
  });

  it("an upstream that refuses our key is a 502 the client must not retry", async () => {
    const error = await failure(client.chat.completions.create({ model: "upstream_auth", messages }));
    expect(error).toMatchObject({ status: 502, type: "server_error", code: "upstream_auth" });
    expect(error.headers?.get("x-should-retry")).toBe("false");
    expect(error.message).not.toContain("sk-upstream-secret");
    const down = await failure(client.chat.completions.create({ model: "upstream_down", messages }));
    expect(down).toMatchObject({ status: 502, code: "upstream_server" });
    expect(down.headers?.get("x-should-retry")).toBeNull();
    expect(down.message).not.toContain("sk-upstream-secret");
  });

  it("422 for flagged content, 400 instead of 409, and a generic 500 for anything unexpected", async () => {
    const flagged = await failure(client.chat.completions.create({ model: "flagged", messages }));
    expect(flagged).toBeInstanceOf(OpenAI.UnprocessableEntityError);
    const conflict = await failure(client.chat.completions.create({ model: "conflict", messages }));
    expect(conflict).toBeInstanceOf(OpenAI.BadRequestError);
    const bug = await failure(client.chat.completions.create({ model: "bug", messages }));
    expect(bug).toMatchObject({ status: 500, type: "server_error", code: "internal_error" });
    expect(bug.message).not.toContain("hunter2");
    expect(bug.message).toContain(bug.headers?.get("x-request-id") ?? "no request id");
  });

  it("an error after the stream began arrives in-stream as an APIError without status", async () => {
    const stream = await client.chat.completions.create({ model: "midstream", messages, stream: true });
    const texts: string[] = [];
    const error = await (async () => {
      for await (const chunk of stream) texts.push(chunk.choices[0]?.delta.content ?? "");
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(texts.join("")).toBe("Once upon");
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error).toMatchObject({ status: undefined, code: "upstream_connection" });
    expect(String((error as Error).message)).not.toContain("sk-upstream-secret");
  });

  it("a choice the gateway never finished is an error, not a silently truncated answer", async () => {
    const streamed = client.chat.completions.stream({ model: "unfinished", messages });
    const error = await failure(streamed.finalChatCompletion());
    expect(error.message).toContain("ended unfinished");
    const whole = await failure(client.chat.completions.create({ model: "unfinished", messages }));
    expect(whole).toMatchObject({ status: 502, code: "incomplete_completion" });
  });

  it("maps finish reasons OpenAI lacks to stop", async () => {
    const completion = await client.chat.completions.create({ model: "other_finish", messages });
    expect(completion.choices[0]?.finish_reason).toBe("stop");
  });

  it("retrieves models whose ids hold ':', '/', '#' and spaces", async () => {
    expect((await client.models.retrieve("character:ab c")).owned_by).toBe("u1");
    expect((await client.models.retrieve("http://h:1/v1#m")).id).toBe("http://h:1/v1#m");
  });
});
