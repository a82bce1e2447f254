import { createHash } from "node:crypto";
import type { CallOptions } from "../call-options.ts";
import type { ChatModel } from "../chat-model.ts";
import type { ChatRequest } from "../chat-request.ts";
import type { ChatChunk, ChatResult, FinishReason } from "../chat-result.ts";
import { LlmError } from "../llm-error.ts";
import { estimateTokens } from "../usage.ts";

/** What a scripted reply sees. */
export interface FakeTurn {
  request: ChatRequest;
  options: CallOptions;
  /** The caller's role ("player", "user-sim", "judge", …; "default" when none was given). */
  role: string;
  /** Conversation turn: the number of assistant messages already in the request (0 on the first answer). */
  turn: number;
  /** How many calls this role made before this one on this model instance. */
  call: number;
}

/** A scripted answer: text, a fuller result, or an error to throw (to exercise retries and error paths). */
export type FakeAnswer = string | { text: string; finishReason?: FinishReason; usage?: ChatResult["usage"] } | LlmError;

/** Replies for one role: a list indexed by conversation turn (the last repeats), or a function. */
export type FakeScript = FakeAnswer[] | ((turn: FakeTurn) => FakeAnswer | Promise<FakeAnswer>);

export interface FakeModelOptions {
  /** Id suffix: the model's id is `fake:<name>` (default "fake:scripted"). */
  name?: string;
  /** Replies by role; `default` answers roles without a script. */
  script?: Record<string, FakeScript>;
  /** Characters per streamed delta (default 16). */
  chunkChars?: number;
}

/** Deterministic filler: the same conversation, role and seed always give the same text. */
export function fakeText(request: ChatRequest, role: string, options: CallOptions = {}): string {
  const digest = createHash("sha1")
    .update(JSON.stringify([request.messages, role, options.seed ?? null, options.runIndex ?? null]))
    .digest("hex");
  return `(${role} reply ${digest.slice(0, 10)})`;
}

/**
 * A scripted, deterministic ChatModel for tests. It is a test double: no model spec resolves to it, so a user can
 * never silently get it instead of a real model.
 */
export function createFakeModel(options: FakeModelOptions = {}): ChatModel & { readonly calls: FakeTurn[] } {
  const id = `fake:${options.name ?? "scripted"}`;
  const counts = new Map<string, number>();
  const calls: FakeTurn[] = [];

  async function answer(request: ChatRequest, callOptions: CallOptions = {}): Promise<ChatResult> {
    if (callOptions.signal?.aborted) throw new LlmError("aborted", `The call to ${id} was cancelled.`, { model: id });
    const role = callOptions.role ?? "default";
    const call = counts.get(role) ?? 0;
    counts.set(role, call + 1);
    const turn = request.messages.filter((m) => m.role === "assistant").length;
    const fakeTurn: FakeTurn = { request, options: callOptions, role, turn, call };
    calls.push(fakeTurn);
    const script = options.script?.[role] ?? options.script?.["default"];
    let scripted: FakeAnswer;
    if (script === undefined) scripted = fakeText(request, role, callOptions);
    else if (typeof script === "function") scripted = await script(fakeTurn);
    else scripted = script[Math.min(turn, script.length - 1)] ?? fakeText(request, role, callOptions);
    if (scripted instanceof LlmError) throw scripted;
    const reply = typeof scripted === "string" ? { text: scripted } : scripted;
    return {
      text: reply.text,
      finishReason: reply.finishReason ?? "stop",
      usage: reply.usage ?? {
        promptTokens: estimateTokens(request.messages.map((m) => m.content).join("\n")),
        completionTokens: estimateTokens(reply.text),
        estimated: true,
      },
      model: id,
      latencyMs: 0,
    };
  }

  async function* stream(request: ChatRequest, callOptions?: CallOptions): AsyncIterable<ChatChunk> {
    const result = await answer(request, callOptions);
    const size = options.chunkChars ?? 16;
    for (let i = 0; i < result.text.length; i += size) yield { type: "delta", text: result.text.slice(i, i + size) };
    yield { type: "finish", result };
  }

  return { id, provider: "fake", chat: answer, stream, calls };
}
