// Wire formats of the fake LLM server: OpenAI chat completions (JSON and SSE chunks) and MiniMax
// chatcompletion_v2 bodies with base_resp and sensitivity flags.
import type { ServerResponse } from "node:http";
import type { FakeReply, FakeRequest } from "./fake-llm-replies.ts";

export const estimate = (text: string) => Math.max(1, Math.ceil(text.length / 4));

export function chunkText(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out.length ? out : [""];
}

export const sseHeaders = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache",
  connection: "keep-alive",
};

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

export function sse(event: unknown): string {
  return `data: ${JSON.stringify(event)}\n\n`;
}

function promptText(request: FakeRequest): string {
  return request.messages.map((m) => m.content ?? "").join("\n");
}

export function usageOf(request: FakeRequest, r: FakeReply) {
  const prompt = r.usage?.prompt ?? estimate(promptText(request));
  const completion = r.usage?.completion ?? estimate(r.text);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

export function chunkEnvelope(request: FakeRequest) {
  return {
    id: `chatcmpl-fake-${request.index}`,
    object: "chat.completion.chunk",
    created: 1_700_000_000,
    model: request.model,
  };
}

export function openaiChunk(request: FakeRequest, delta: Record<string, unknown>, finish: string | null) {
  return { ...chunkEnvelope(request), choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] };
}

export function openaiCompletion(request: FakeRequest, r: FakeReply) {
  return {
    id: `chatcmpl-fake-${request.index}`,
    object: "chat.completion",
    created: 1_700_000_000,
    model: request.model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: r.text, refusal: null },
        finish_reason: r.finishReason ?? "stop",
        logprobs: null,
      },
    ],
    usage: usageOf(request, r),
  };
}

export function minimaxEnvelope(request: FakeRequest, r: FakeReply) {
  return {
    id: `mm-fake-${request.index}`,
    created: 1_700_000_000,
    model: request.model,
    input_sensitive: r.inputSensitiveType !== undefined,
    output_sensitive: r.outputSensitiveType !== undefined,
    input_sensitive_type: r.inputSensitiveType ?? 0,
    output_sensitive_type: r.outputSensitiveType ?? 0,
    output_sensitive_int: r.outputSensitiveType ?? 0,
    base_resp: { status_code: 0, status_msg: "" },
  };
}

export function minimaxChunk(request: FakeRequest, piece: string) {
  return {
    id: `mm-fake-${request.index}`,
    created: 1_700_000_000,
    model: request.model,
    object: "chat.completion.chunk",
    choices: [{ index: 0, delta: { content: piece, role: "assistant", name: "MiniMax AI", audio_content: "" } }],
    input_sensitive: false,
    output_sensitive: false,
  };
}

export function minimaxCompletion(request: FakeRequest, r: FakeReply) {
  const usage = usageOf(request, r);
  return {
    ...minimaxEnvelope(request, r),
    object: "chat.completion",
    choices: [
      {
        finish_reason: r.finishReason ?? "stop",
        index: 0,
        message: { content: r.text, role: "assistant", name: "MiniMax AI", audio_content: "" },
      },
    ],
    usage: { ...usage, total_characters: 0 },
  };
}

export function minimaxError(res: ServerResponse, code: number, message: string, status: number): void {
  json(res, status, {
    id: "",
    choices: null,
    created: 1_700_000_000,
    model: "",
    object: "chat.completion",
    usage: null,
    input_sensitive: code === 1026,
    output_sensitive: code === 1027,
    base_resp: { status_code: code, status_msg: message },
  });
}
