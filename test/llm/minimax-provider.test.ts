import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  type ChatChunk,
  type ChatModel,
  type ChatRequest,
  collectStream,
  LlmError,
  type LlmErrorKind,
} from "../../src/llm/index.ts";
import { createMiniMaxModel } from "../../src/llm/providers/minimax.ts";
import { type FakeLlmServer, type FakeReplySpec, presets, startFakeLlmServer } from "../support/fake-llm-server.ts";

let server: FakeLlmServer;
let model: ChatModel;

beforeAll(async () => {
  server = await startFakeLlmServer({ apiKey: "mm-key" });
  model = createMiniMaxModel({
    id: "minimax:M2-her",
    baseUrl: server.minimaxBaseUrl,
    model: "M2-her",
    apiKey: "mm-key",
    // Long: a loaded machine must not turn an answer into a timeout (tests expecting one set a short deadline).
    timeoutMs: 30_000,
  });
});
afterAll(() => server.close());
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

async function deltasOf(chunks: AsyncIterable<ChatChunk>): Promise<{ text: string; result: ChatChunk | undefined }> {
  let text = "";
  let result: ChatChunk | undefined;
  for await (const chunk of chunks) {
    if (chunk.type === "delta") text += chunk.text;
    else result = chunk;
  }
  return { text, result };
}

describe("MiniMax native provider over HTTP", () => {
  it("posts chatcompletion_v2 with the role-play roles, names and MiniMax parameter names", async () => {
    script({ text: "Evening, Kai.", usage: { prompt: 30, completion: 4 } });
    const request: ChatRequest = {
      messages: [
        { role: "system", content: "You are Mira, a lighthouse keeper.", name: "Mira" },
        { role: "user_system", content: "A tired courier.", name: "Kai" },
        { role: "group", content: "The lighthouse" },
        { role: "sample_message_user", content: "Got a light?", name: "Kai" },
        { role: "sample_message_ai", content: "Only the big one.", name: "Mira" },
        { role: "user", content: "Hi", name: "Kai" },
      ],
      temperature: 0.9,
      topP: 0.95,
      maxTokens: 2048,
    };
    const result = await model.chat(request);
    expect(result).toMatchObject({
      text: "Evening, Kai.",
      finishReason: "stop",
      usage: { promptTokens: 30, completionTokens: 4 },
      model: "minimax:M2-her",
    });
    expect(result.safety).toBeUndefined();
    const sent = server.requests[0];
    expect(sent?.path).toBe("/v1/text/chatcompletion_v2");
    expect(sent?.headers["authorization"]).toBe("Bearer mm-key");
    expect(sent?.body).toEqual({
      model: "M2-her",
      messages: request.messages,
      stream: false,
      temperature: 0.9,
      top_p: 0.95,
      max_completion_tokens: 2048,
    });
  });

  it("validates temperature, top_p and max_completion_tokens before sending anything", async () => {
    const bad: Array<[Partial<ChatRequest>, RegExp]> = [
      [{ temperature: 0 }, /temperature in \(0, 1\]; got 0/],
      [{ temperature: 1.2 }, /temperature in \(0, 1\]/],
      [{ topP: 0 }, /top_p in \(0, 1\]/],
      [{ topP: 1.01 }, /top_p/],
      [{ maxTokens: 2049 }, /\[1, 2048\]; got 2049/],
      [{ maxTokens: 0 }, /max_completion_tokens/],
      [{ maxTokens: 10.5 }, /max_completion_tokens/],
    ];
    for (const [params, message] of bad) {
      const error = await failure(() => model.chat({ ...hello, ...params }));
      expect(error.kind).toBe("invalid_request");
      expect(error.message).toMatch(message);
      expect(error.hint).toBeTruthy();
      const streamError = await failure(() => collectStream(model.stream({ ...hello, ...params })));
      expect(streamError.kind).toBe("invalid_request");
    }
    expect(server.callCount).toBe(0);
    await expect(model.chat({ ...hello, temperature: 1, topP: 1, maxTokens: 1 })).resolves.toBeTruthy();
  });

  // Expected reactions to every documented base_resp code, written out here rather than derived from the table
  // under test, so a wrong mapping fails.
  const codes: Array<[number, LlmErrorKind, boolean]> = [
    [1000, "server", true],
    [1001, "timeout", true],
    [1002, "rate_limit", true],
    [1004, "auth", false],
    [1008, "balance", false],
    [1024, "server", true],
    [1026, "content_flagged", false],
    [1027, "content_flagged", false],
    [1028, "balance", false],
    [1030, "balance", false],
    [1033, "server", true],
    [1039, "rate_limit", true],
    [1041, "rate_limit", true],
    [1042, "invalid_request", false],
    [2013, "invalid_request", false],
    [2045, "rate_limit", true],
    [2049, "auth", false],
    [2056, "quota_wait", true],
    [2061, "balance", false],
    [31337, "server", true],
  ];
  for (const [code, kind, retryable] of codes) {
    it(`maps base_resp ${code} on HTTP 200 to ${kind}${retryable ? " (retried)" : ""}`, async () => {
      script({ fault: "minimax", code, message: `fake status for ${code}` });
      const error = await failure(() => model.chat(hello));
      expect(error.kind).toBe(kind);
      expect(error.retryable).toBe(retryable);
      expect(error.providerCode).toBe(code);
      expect(error.status).toBe(200);
      expect(error.message).toContain(`fake status for ${code}`);
      expect(error.hint).toBeTruthy();
      // Streaming requests get the same error as a plain JSON body instead of SSE.
      const streamError = await failure(() => collectStream(model.stream(hello)));
      expect(streamError.kind).toBe(kind);
      expect(streamError.providerCode).toBe(code);
    });
  }

  it("reads base_resp on a non-200 response too, and falls back to the HTTP status without one", async () => {
    script({ fault: "minimax", code: 1004, httpStatus: 401 });
    expect((await failure(() => model.chat(hello))).providerCode).toBe(1004);
    script({ fault: "rate_limit", retryAfterSec: 3 });
    const limited = await failure(() => model.chat(hello));
    expect(limited).toMatchObject({ kind: "rate_limit", status: 429, retryAfterMs: 3000 });
    script({ fault: "http", status: 502, body: "<html>bad gateway</html>" });
    expect(await failure(() => model.chat(hello))).toMatchObject({ kind: "server", status: 502 });
    script({ fault: "http", status: 422, message: "unprocessable_entity_error" });
    expect((await failure(() => model.chat(hello))).kind).toBe("content_flagged");
  });

  it("rejects a wrong key with a clear auth error", async () => {
    const wrong = createMiniMaxModel({
      id: "minimax:M2-her",
      baseUrl: server.minimaxBaseUrl,
      model: "M2-her",
      apiKey: "nope",
    });
    const error = await failure(() => wrong.chat(hello));
    expect(error).toMatchObject({ kind: "auth", providerCode: 2049 });
    expect(error.hint).toMatch(/MINIMAX_API_KEY/);
  });

  it("surfaces input and output sensitivity flags", async () => {
    script({ text: "careful", inputSensitiveType: 6, outputSensitiveType: 2 });
    const result = await model.chat(hello);
    expect(result.safety).toEqual({
      inputSensitive: true,
      outputSensitive: true,
      inputSensitiveType: 6,
      outputSensitiveType: 2,
    });
    const streamed = await collectStream(model.stream(hello));
    expect(streamed.safety).toMatchObject({ inputSensitive: true, outputSensitive: true });
    script({ text: "", outputSensitiveType: 1 });
    expect((await model.chat(hello)).finishReason).toBe("content_filter");
  });

  it("strips <think> defensively", async () => {
    script("<think>the model deliberates</think>The answer.");
    expect((await model.chat(hello)).text).toBe("The answer.");
    expect((await deltasOf(model.stream(hello))).text).toBe("The answer.");
  });

  it("streams every SSE shape to the same text: final message or not, [DONE] or not", async () => {
    const text = "Waves fold over the rocks; the lamp turns, slow and patient.";
    for (const minimaxFinalMessage of [true, false]) {
      for (const done of [true, false]) {
        script({ text, chunkChars: 9, minimaxFinalMessage, done });
        const { text: streamed, result } = await deltasOf(model.stream(hello));
        expect(streamed).toBe(text);
        expect(result?.type === "finish" && result.result.text).toBe(text);
      }
    }
    expect(server.requests.every((r) => r.body.stream === true)).toBe(true);
  });

  it("estimates usage when a stream reports none", async () => {
    script({ text: "x".repeat(40), minimaxFinalMessage: false });
    const result = await collectStream(model.stream(hello));
    expect(result.usage).toEqual({ promptTokens: 2, completionTokens: 10, estimated: true });
  });

  it("maps transport faults: reset, timeout, truncated stream, invalid JSON, 5xx", async () => {
    const cases: Array<[FakeReplySpec, LlmErrorKind]> = [
      [{ fault: "reset" }, "connection"],
      [{ fault: "timeout" }, "timeout"],
      [{ fault: "truncated_stream" }, "connection"],
      [{ fault: "truncated_stream", mode: "destroy" }, "connection"],
      [{ fault: "truncated_stream", mode: "stall" }, "timeout"],
      [{ fault: "invalid_json" }, "server"],
      [{ fault: "http", status: 503 }, "server"],
    ];
    for (const [fault, kind] of cases) {
      script(fault);
      // A short deadline only where the server never finishes the answer, so a timeout is the one possible outcome.
      const timeoutMs = kind === "timeout" ? 300 : 30_000;
      expect((await failure(() => collectStream(model.stream(hello, { timeoutMs })))).kind).toBe(kind);
      if (!(typeof fault === "object" && "mode" in fault && fault.mode === "stall"))
        expect((await failure(() => model.chat(hello, { timeoutMs }))).kind).toBe(kind);
    }
  });

  it("cancels mid-stream when the caller aborts", async () => {
    script({ fault: "truncated_stream", mode: "stall" });
    const controller = new AbortController();
    const error = await failure(async () => {
      for await (const chunk of model.stream(hello, { signal: controller.signal, timeoutMs: 60_000 }))
        if (chunk.type === "delta") controller.abort();
    });
    expect(error.kind).toBe("aborted");
  });
});
