import type { CallOptions } from "./call-options.ts";
import type { ChatRequest } from "./chat-request.ts";
import type { ChatChunk, ChatResult } from "./chat-result.ts";

/**
 * The one interface every caller uses: the bench player, the user simulator, the judge, the world extractor and
 * the server. Providers implement it; middleware (retry, rate control, cache, usage, recording) wraps it without
 * changing callers.
 */
export interface ChatModel {
  /** Stable id: "openai:gpt-4.1-mini", "minimax:M2-her", "local:/models/x.gguf", "http://host:8000/v1#qwen". */
  readonly id: string;
  /** Provider family ("openai", "minimax", "local", "fake"), used for judge-family warnings and pricing. */
  readonly provider: string;
  /** Generate one whole answer. */
  chat(request: ChatRequest, options?: CallOptions): Promise<ChatResult>;
  /** Generate an answer as it is produced. The last chunk is always `{type: "finish"}` with the whole result. */
  stream(request: ChatRequest, options?: CallOptions): AsyncIterable<ChatChunk>;
}

/** A function that wraps a model in extra behaviour and returns a model with the same interface. */
export type ChatModelMiddleware = (model: ChatModel) => ChatModel;

/** Wrap a model in middleware, innermost first: `wrapModel(m, withRetry(), withCache())` caches retried calls. */
export function wrapModel(model: ChatModel, ...middleware: ChatModelMiddleware[]): ChatModel {
  return middleware.reduce((inner, wrap) => wrap(inner), model);
}

/** Collect a stream into its final result (for callers that want `chat` semantics from a streaming source). */
export async function collectStream(chunks: AsyncIterable<ChatChunk>): Promise<ChatResult> {
  for await (const chunk of chunks) if (chunk.type === "finish") return chunk.result;
  throw new Error("stream ended without a finish chunk");
}
