import { createServer } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  type ChatChunk,
  type ChatModel,
  type ChatRequest,
  classifyNetworkError,
  collectStream,
  LlmError,
  type LlmErrorKind,
} from "../../src/llm/index.ts";
import { createOpenAICompatibleModel } from "../../src/llm/providers/openai-compatible.ts";
import { type FakeLlmServer, type FakeReplySpec, presets, startFakeLlmServer } from "../support/fake-llm-server.ts";

let server: FakeLlmServer;
let model: ChatModel;

beforeAll(async () => {
  server = await startFakeLlmServer();
  model = createOpenAICompatibleModel({
    id: `${server.openaiBaseUrl}#fake`,
    provider: "http",
    baseUrl: server.openaiBaseUrl,
    model: "fake",
    // Long: a loaded machine must not turn an answer into a timeout. Tests that expect a timeout set a short one
    // where the server never answers, so the outcome does not depend on speed.
    timeoutMs: 30_000,
  });
});
afterAll(() => server.close());
/** A short deadline, only for calls the server never finishes (a timeout is then the one possible outcome). */
const NEVER_ANSWERED_MS = 300;
beforeEach(() => {
  server.reset();
  server.setReply(presets.auto);
});

const hello: ChatRequest = { messages: [{ role: "user", content: "hello" }] };

function script(...items: FakeReplySpec[]) {
  server.setReply((_req, i) => items[Math.min(i, items.length - 1)] as FakeReplySpec);
}

async function failure(run: () => Promise<unknown>): Promise<LlmError> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(LlmError);
    return error as LlmError;
  }
  throw new Error("expected the call to fail");
}

async function drain(chunks: AsyncIterable<ChatChunk>): Promise<{ deltas: string[]; finish?: ChatChunk }> {
  const deltas: string[] = [];
  let finish: ChatChunk | undefined;
  for await (const chunk of chunks) {
    if (chunk.type === "delta") deltas.push(chunk.text);
    else finish = chunk;
  }
  return finish ? { deltas, finish } : { deltas };
}

describe("OpenAI-compatible provider over HTTP", () => {
  it("chats through the official client and reports usage, latency and finish reason", async () => {
    script({ text: "Hi there", usage: { prompt: 11, completion: 2 }, finishReason: "length" });
    const result = await model.chat(
      { ...hello, temperature: 0.7, topP: 0.9, maxTokens: 64, stop: ["\n\n"], extra: { top_k: 40 } },
      { seed: 42 },
    );
    expect(result).toMatchObject({
      text: "Hi there",
      finishReason: "length",
      usage: { promptTokens: 11, completionTokens: 2 },
      model: model.id,
    });
    expect(result.latencyMs).toBeGreaterThan(0);
    expect(server.requests[0]?.body).toMatchObject({
      model: "fake",
      temperature: 0.7,
      top_p: 0.9,
      max_tokens: 64,
      stop: ["\n\n"],
      seed: 42,
      top_k: 40,
    });
    expect(server.requests[0]?.headers["authorization"]).toBe("Bearer not-needed");
  });

  it("sends the body as JSON with its content type, text beyond ASCII intact, streaming or not", async () => {
    const messages: ChatRequest["messages"] = [
      { role: "system", content: '你是灯塔守护者。Quote: "x" \\ tab\t' },
      { role: "user", content: "月光下 🌙 café" },
    ];
    await model.chat({ messages });
    await drain(model.stream({ messages }));
    for (const request of server.requests) {
      expect(request.headers["content-type"]).toBe("application/json");
      expect(request.body.messages).toEqual(messages);
    }
    expect(server.requests.map((r) => r.stream)).toEqual([false, true]);
  });

  it("posts to <base URL>/chat/completions whether or not the base URL ends in a slash", async () => {
    const slashed = createOpenAICompatibleModel({
      id: "slashed",
      provider: "http",
      baseUrl: `${server.openaiBaseUrl}/`,
      model: "fake",
    });
    await slashed.chat(hello);
    expect(server.requests.map((r) => r.path)).toEqual(["/v1/chat/completions"]);
  });

  it("folds MiniMax role-play roles into system text", async () => {
    await model.chat({
      messages: [
        { role: "system", content: "You are Mira." },
        { role: "user_system", content: "A courier.", name: "Kai" },
        { role: "user", content: "Hi", name: "Kai" },
      ],
    });
    const sent = server.requests[0]?.body.messages;
    expect(sent).toEqual([
      { role: "system", content: "You are Mira.\n\nThe user's persona (Kai): A courier." },
      { role: "user", content: "Hi", name: "Kai" },
    ]);
  });

  it("sends response_format json_schema", async () => {
    const schema = { type: "object", properties: { ok: { type: "boolean" } }, required: ["ok"] };
    const result = await model.chat({ ...hello, responseFormat: { type: "json_schema", name: "check", schema } });
    expect(server.requests[0]?.body.response_format).toEqual({
      type: "json_schema",
      json_schema: { name: "check", schema },
    });
    expect(JSON.parse(result.text)).toEqual({ ok: true });
  });

  it("uses max_completion_tokens for OpenAI itself", async () => {
    const openai = createOpenAICompatibleModel({
      id: "openai:x",
      provider: "openai",
      baseUrl: server.openaiBaseUrl,
      model: "x",
      apiKey: "sk-test",
    });
    await openai.chat({ ...hello, maxTokens: 5 });
    expect(server.requests[0]?.body).toMatchObject({ max_completion_tokens: 5 });
    expect(server.requests[0]?.body.max_tokens).toBeUndefined();
    expect(server.requests[0]?.headers["authorization"]).toBe("Bearer sk-test");
  });

  it("streams deltas over SSE and finishes with the whole result", async () => {
    const text = "A long answer that arrives in several pieces over server-sent events.";
    script({ text, chunkChars: 8 });
    const { deltas, finish } = await drain(model.stream(hello));
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.join("")).toBe(text);
    expect(finish).toMatchObject({
      type: "finish",
      result: { text, finishReason: "stop", usage: { completionTokens: 18 } },
    });
    expect(server.requests[0]?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it("strips <think> blocks from answers and streams", async () => {
    script("<think>secret plan</think>\nVisible answer");
    expect((await model.chat(hello)).text).toBe("Visible answer");
    const { deltas, finish } = await drain(model.stream(hello));
    expect(deltas.join("")).toBe("Visible answer");
    expect(finish?.type === "finish" && finish.result.text).toBe("Visible answer");
  });

  const faults: Array<[string, FakeReplySpec, LlmErrorKind, boolean]> = [
    ["429 with Retry-After", { fault: "rate_limit", retryAfterSec: 7 }, "rate_limit", true],
    ["500", { fault: "http", status: 500 }, "server", true],
    ["503", { fault: "http", status: 503 }, "server", true],
    ["connection reset", { fault: "reset" }, "connection", true],
    ["no answer (timeout)", { fault: "timeout" }, "timeout", true],
    ["invalid JSON body", { fault: "invalid_json" }, "server", true],
    ["body cut mid-way", { fault: "truncated_stream" }, "connection", true],
    ["401", { fault: "http", status: 401 }, "auth", false],
    ["402", { fault: "http", status: 402 }, "balance", false],
    ["404", { fault: "http", status: 404 }, "invalid_request", false],
    ["400", { fault: "http", status: 400 }, "invalid_request", false],
  ];
  for (const [name, fault, kind, retryable] of faults) {
    it(`maps ${name} to ${kind} (chat and stream)`, async () => {
      script(fault);
      const timeoutMs = kind === "timeout" ? NEVER_ANSWERED_MS : 30_000;
      const chatError = await failure(() => model.chat(hello, { timeoutMs }));
      expect(chatError.kind).toBe(kind);
      expect(chatError.retryable).toBe(retryable);
      if (name.startsWith("429")) expect(chatError.retryAfterMs).toBe(7000);
      if (typeof fault === "object" && "status" in fault) expect(chatError.status).toBe(fault.status);
      const streamError = await failure(() => collectStream(model.stream(hello, { timeoutMs })));
      expect(streamError.kind).toBe(kind);
      // Whole answers are posted without the client's pipeline but fail through its error classes: same message.
      if (typeof fault === "object" && "fault" in fault && (fault.fault === "http" || fault.fault === "rate_limit")) {
        expect(chatError.message).toBe(streamError.message);
        expect(chatError.message).toMatch(/fake HTTP|Rate limit reached/);
      }
      // The openai client's own retries are off: one request per call, the retry middleware decides the rest.
      expect(server.callCount).toBe(2);
    });
  }

  it("reports a stream cut before its finish as a connection error, however it was cut", async () => {
    for (const mode of ["end", "destroy", "stall"] as const) {
      script({ fault: "truncated_stream", mode });
      const { deltas, error } = await (async () => {
        const seen: string[] = [];
        try {
          for await (const chunk of model.stream(hello, { timeoutMs: mode === "stall" ? NEVER_ANSWERED_MS : 30_000 }))
            if (chunk.type === "delta") seen.push(chunk.text);
        } catch (e) {
          return { deltas: seen, error: e as LlmError };
        }
        return { deltas: seen, error: undefined };
      })();
      expect(deltas.join("").length).toBeGreaterThan(0);
      expect(error?.kind).toBe(mode === "stall" ? "timeout" : "connection");
    }
  });

  it("waits out a slow answer inside the timeout", async () => {
    script({ fault: "slow", delayMs: 150, answer: "late but fine" });
    expect((await model.chat(hello, { timeoutMs: 60_000 })).text).toBe("late but fine");
  });

  it("maps a refused connection to unreachable with a hint", async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const dead = createOpenAICompatibleModel({
      id: "dead",
      provider: "http",
      baseUrl: `http://127.0.0.1:${port}/v1`,
      model: "m",
    });
    const error = await failure(() => dead.chat(hello));
    expect(error.kind).toBe("unreachable");
    expect(error.retryable).toBe(false);
    expect(error.message).toContain("ECONNREFUSED");
    expect(error.hint).toMatch(/Nothing is listening/);
  });

  it("stops at once when the caller aborts", async () => {
    const controller = new AbortController();
    // Abort once the request has reached the server (which never answers it): no timer racing the call.
    server.setReply(() => {
      controller.abort();
      return { fault: "timeout" };
    });
    const error = await failure(() => model.chat(hello, { signal: controller.signal, timeoutMs: 60_000 }));
    expect(error.kind).toBe("aborted");
    script({ fault: "truncated_stream", mode: "stall" });
    const midStream = new AbortController();
    const streamError = await failure(async () => {
      for await (const chunk of model.stream(hello, { signal: midStream.signal, timeoutMs: 60_000 }))
        if (chunk.type === "delta") midStream.abort();
    });
    expect(streamError.kind).toBe("aborted");
  });
});

describe("classifyNetworkError", () => {
  const target = { model: "m", baseUrl: "http://h/v1" };
  const fetchFailed = (cause: unknown) => Object.assign(new TypeError("fetch failed"), { cause });
  it("tells unreachable hosts from dropped connections and timeouts", () => {
    expect(classifyNetworkError(fetchFailed({ code: "ENOTFOUND" }), target).kind).toBe("unreachable");
    expect(classifyNetworkError(fetchFailed({ code: "EAI_AGAIN" }), target).kind).toBe("unreachable");
    expect(classifyNetworkError(fetchFailed({ code: "EHOSTUNREACH" }), target).kind).toBe("unreachable");
    const happyEyeballs = Object.assign(new AggregateError([{ code: "ECONNREFUSED" }, { code: "ECONNREFUSED" }]), {});
    expect(classifyNetworkError(fetchFailed(happyEyeballs), target).kind).toBe("unreachable");
    expect(classifyNetworkError(fetchFailed({ code: "ECONNRESET" }), target).kind).toBe("connection");
    expect(classifyNetworkError(fetchFailed({ code: "UND_ERR_SOCKET" }), target).kind).toBe("connection");
    expect(classifyNetworkError(fetchFailed({ code: "UND_ERR_HEADERS_TIMEOUT" }), target).kind).toBe("timeout");
    expect(classifyNetworkError(new TypeError("terminated"), target).kind).toBe("connection");
    expect(classifyNetworkError(fetchFailed({ code: "ENOTFOUND" }), target).hint).toMatch(/does not resolve/);
  });
});
