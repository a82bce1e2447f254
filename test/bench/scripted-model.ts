import { createHash } from "node:crypto";
import type { CallOptions, ChatChunk, ChatModel, ChatRequest, ChatResult } from "../../src/llm/index.ts";

/** A call the scripted model received. */
export interface ScriptedCall {
  request: ChatRequest;
  options: CallOptions;
}

/**
 * A deterministic in-process ChatModel for bench tests: its reply is a function of (messages, seed, role), like a
 * real model over a recorded cassette, so reruns and resumes must reproduce it exactly. `reply` overrides it.
 */
export function scriptedModel(
  id = "test:scripted",
  options: {
    reply?: (req: ChatRequest, opts: CallOptions, index: number) => string;
    latencyMs?: number;
    costPerCall?: number;
  } = {},
): ChatModel & { calls: ScriptedCall[] } {
  const calls: ScriptedCall[] = [];
  const chat = async (request: ChatRequest, opts: CallOptions = {}): Promise<ChatResult> => {
    const index = calls.length;
    calls.push({ request, options: opts });
    if (options.latencyMs) {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, options.latencyMs);
        opts.signal?.addEventListener("abort", () => {
          clearTimeout(t);
          reject(opts.signal?.reason ?? new Error("aborted"));
        });
      });
    }
    opts.signal?.throwIfAborted();
    const text = options.reply ? options.reply(request, opts, index) : hashReply(request, opts);
    const promptChars = request.messages.reduce((n, m) => n + m.content.length, 0);
    return {
      text,
      finishReason: "stop",
      usage: { promptTokens: Math.ceil(promptChars / 4), completionTokens: Math.ceil(text.length / 4) },
      model: id,
      latencyMs: options.latencyMs ?? 0,
      ...(options.costPerCall === undefined ? {} : { costUsd: options.costPerCall }),
    };
  };
  return {
    id,
    provider: "test",
    calls,
    chat,
    async *stream(request: ChatRequest, opts?: CallOptions): AsyncIterable<ChatChunk> {
      const result = await chat(request, opts);
      yield { type: "delta", text: result.text };
      yield { type: "finish", result };
    },
  };
}

const WORDS =
  "river lantern quiet storm tea ledger gull harbour stair window candle map letter bridge garden clock".split(" ");

/** Deterministic words from a hash of the request, seed and role. */
export function hashReply(request: ChatRequest, opts: CallOptions): string {
  const digest = createHash("sha256")
    .update(JSON.stringify([request.messages, opts.seed ?? null, opts.role ?? null]))
    .digest();
  const n = 6 + ((digest[0] as number) % 10);
  const words: string[] = [];
  for (let i = 0; i < n; i++) words.push(WORDS[(digest[i + 1] as number) % WORDS.length] as string);
  return `${opts.role === "user-sim" ? "I" : "She"} says ${words.join(" ")} (${digest.toString("hex").slice(0, 6)}).`;
}
