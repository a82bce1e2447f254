import { describe, expect, it } from "vitest";
import {
  endMiniMaxStream,
  feedMiniMaxStream,
  initialStreamState,
  parseMiniMaxStream,
  streamOutcome,
} from "../../src/llm/index.ts";

const data = (event: unknown) => `data: ${JSON.stringify(event)}\n\n`;
const delta = (content: string, extra: Record<string, unknown> = {}) =>
  data({ object: "chat.completion.chunk", choices: [{ index: 0, delta: { content, role: "assistant" } }], ...extra });
const final = (content: string, extra: Record<string, unknown> = {}) =>
  data({
    object: "chat.completion.chunk",
    choices: [{ index: 0, finish_reason: "stop", message: { content, role: "assistant" } }],
    usage: { prompt_tokens: 7, completion_tokens: 3 },
    base_resp: { status_code: 0, status_msg: "" },
    ...extra,
  });

/** Feed a body in arbitrary pieces (as the network would) and collect the emitted deltas. */
function feedInPieces(body: string, size: number) {
  let state = initialStreamState();
  const deltas: string[] = [];
  for (let i = 0; i < body.length; i += size) {
    const fed = feedMiniMaxStream(state, body.slice(i, i + size));
    state = fed.state;
    deltas.push(...fed.deltas);
  }
  const ended = endMiniMaxStream(state);
  return { state: ended.state, deltas: [...deltas, ...ended.deltas] };
}

describe("MiniMax SSE parser", () => {
  it("accumulates delta-only chunks ending with [DONE]", () => {
    const { state, deltas } = parseMiniMaxStream(`${delta("Hel")}${delta("lo")}data: [DONE]\n\n`);
    expect(deltas).toEqual(["Hel", "lo"]);
    expect(streamOutcome(state)).toEqual({ type: "answer", text: "Hello", finishReason: "stop" });
  });

  it("does not append a final full message twice", () => {
    const body = `${delta("Hel")}${delta("lo")}${final("Hello")}data: [DONE]\n\n`;
    const { state, deltas } = parseMiniMaxStream(body);
    expect(deltas.join("")).toBe("Hello");
    expect(state.text).toBe("Hello");
    expect(state.usage).toEqual({ promptTokens: 7, completionTokens: 3 });
    expect(state.mismatch).toBe(false);
  });

  it("emits a final message in full when no deltas came, and only the missing tail when they were partial", () => {
    expect(parseMiniMaxStream(final("Whole answer")).deltas).toEqual(["Whole answer"]);
    const partial = parseMiniMaxStream(`${delta("Who")}${final("Whole answer")}`);
    expect(partial.deltas).toEqual(["Who", "le answer"]);
    expect(partial.state.text).toBe("Whole answer");
  });

  it("ignores deltas after the final message and lets the message win a disagreement", () => {
    const { state, deltas } = parseMiniMaxStream(`${delta("abc")}${final("xyz")}${delta("again")}`);
    expect(deltas).toEqual(["abc"]);
    expect(state.text).toBe("xyz");
    expect(state.mismatch).toBe(true);
  });

  it("accepts a stream without [DONE] when a finish reason or final message arrived", () => {
    const finished = parseMiniMaxStream(
      `${delta("a")}${data({ choices: [{ index: 0, delta: {}, finish_reason: "length" }] })}`,
    );
    expect(streamOutcome(finished.state)).toEqual({ type: "answer", text: "a", finishReason: "length" });
    expect(streamOutcome(parseMiniMaxStream(final("x")).state).type).toBe("answer");
  });

  it("reports a stream cut before any end marker as truncated", () => {
    expect(streamOutcome(parseMiniMaxStream(delta("half an ans")).state)).toEqual({ type: "truncated" });
    expect(streamOutcome(parseMiniMaxStream("").state)).toEqual({ type: "truncated" });
  });

  it("reads a non-SSE JSON error body", () => {
    const body = JSON.stringify({ base_resp: { status_code: 1008, status_msg: "insufficient balance" } });
    expect(streamOutcome(parseMiniMaxStream(body).state)).toEqual({
      type: "failure",
      failure: { type: "base_resp", code: 1008, message: "insufficient balance" },
    });
  });

  it("reads a non-streamed JSON answer through the same path", () => {
    const body = JSON.stringify({
      choices: [{ finish_reason: "stop", message: { content: "hi", role: "assistant" } }],
      usage: { prompt_tokens: 1, completion_tokens: 1 },
      input_sensitive: false,
      output_sensitive: false,
      base_resp: { status_code: 0, status_msg: "" },
    });
    const { state, deltas } = parseMiniMaxStream(`\n ${body}`);
    expect(deltas).toEqual(["hi"]);
    expect(streamOutcome(state)).toEqual({ type: "answer", text: "hi", finishReason: "stop" });
  });

  it("stops at a base_resp error inside the stream", () => {
    const body = `${delta("a")}${data({ base_resp: { status_code: 1002, status_msg: "rate limit" } })}${delta("b")}`;
    const { state, deltas } = parseMiniMaxStream(body);
    expect(deltas).toEqual(["a"]);
    expect(streamOutcome(state)).toMatchObject({ type: "failure", failure: { code: 1002 } });
  });

  it("collects sensitivity flags from any chunk", () => {
    const { state } = parseMiniMaxStream(
      `${delta("a", { input_sensitive: true, input_sensitive_type: 5 })}${final("a", { output_sensitive: true, output_sensitive_type: 2 })}`,
    );
    expect(state).toMatchObject({
      inputSensitive: true,
      inputSensitiveType: 5,
      outputSensitive: true,
      outputSensitiveType: 2,
    });
    const filtered = parseMiniMaxStream(final("", { output_sensitive: true, output_sensitive_type: 1 }));
    expect(streamOutcome(filtered.state)).toMatchObject({ type: "answer", finishReason: "content_filter" });
  });

  it("fails on a broken JSON event", () => {
    const { state } = parseMiniMaxStream(`${delta("a")}data: {"choices":[{"delta":{"content":"b\n\n`);
    expect(streamOutcome(state)).toMatchObject({ type: "failure", failure: { type: "invalid_json" } });
  });

  it("gives the same result however the body is split, including CRLF lines and comments", () => {
    const body = `: keep-alive\r\n\r\n${delta("你好").replace(/\n/g, "\r\n")}event: message\n${delta("，世界")}${final("你好，世界")}data: [DONE]\n\n`;
    const whole = parseMiniMaxStream(body);
    for (const size of [1, 3, 7, 64]) {
      const pieces = feedInPieces(body, size);
      expect(pieces.deltas.join("")).toBe("你好，世界");
      expect(pieces.state.text).toBe(whole.state.text);
      expect(streamOutcome(pieces.state)).toEqual(streamOutcome(whole.state));
    }
  });

  it("parses a last line that has no newline", () => {
    const body = `${delta("a")}data: ${JSON.stringify({ choices: [{ delta: { content: "b" }, finish_reason: "stop" }] })}`;
    const { state } = parseMiniMaxStream(body);
    expect(streamOutcome(state)).toEqual({ type: "answer", text: "ab", finishReason: "stop" });
  });
});
