import type { ChatChunk, ChatResult } from "./chat-result.ts";

/** Replay a stored result as a stream: one delta with the whole text, then the finish chunk. */
export async function* resultToStream(result: ChatResult): AsyncIterable<ChatChunk> {
  if (result.text) yield { type: "delta", text: result.text };
  yield { type: "finish", result };
}

/**
 * Pass a stream through, calling `onFinish` with its final result; the finish chunk carries whatever `onFinish`
 * returns (so middleware can annotate it). Errors propagate untouched.
 */
export async function* tapStream(
  chunks: AsyncIterable<ChatChunk>,
  onFinish: (result: ChatResult) => ChatResult | Promise<ChatResult>,
): AsyncIterable<ChatChunk> {
  for await (const chunk of chunks) {
    if (chunk.type === "finish") yield { type: "finish", result: await onFinish(chunk.result) };
    else yield chunk;
  }
}

/** The parts of a result worth storing (cache, cassette): not the per-call annotations. */
export function storableResult(result: ChatResult): ChatResult {
  const { cached: _cached, retries: _retries, costUsd: _cost, ...rest } = result;
  return rest;
}
