import type { CallOptions } from "../call-options.ts";
import type { ChatModel, ChatModelMiddleware } from "../chat-model.ts";
import type { ChatRequest } from "../chat-request.ts";
import type { ChatChunk, ChatResult } from "../chat-result.ts";
import { requestKey } from "../request-key.ts";
import type { ResponseCache } from "../response-cache.ts";
import { resultToStream, storableResult, tapStream } from "../result-stream.ts";

/** What a cache hit looks like to the caller: the stored answer, marked cached, costing no time. */
export function asCachedHit(stored: ChatResult): ChatResult {
  return { ...stored, cached: true, latencyMs: 0 };
}

/**
 * Serve repeated calls from the store. The key covers model, parameters, messages, role, run index and seed (see
 * request-key.ts); `noCache` skips reading and writing. A cached stream replays as one delta.
 */
export function withCache(cache: ResponseCache): ChatModelMiddleware {
  return (model: ChatModel): ChatModel => ({
    id: model.id,
    provider: model.provider,
    async chat(request: ChatRequest, options: CallOptions = {}): Promise<ChatResult> {
      if (options.noCache) return model.chat(request, options);
      const key = requestKey(model.id, request, options);
      const hit = await cache.get(key);
      if (hit) return asCachedHit(hit);
      const result = await model.chat(request, options);
      await cache.put(key, { model: model.id, role: options.role }, storableResult(result));
      return result;
    },
    async *stream(request: ChatRequest, options: CallOptions = {}): AsyncIterable<ChatChunk> {
      if (options.noCache) {
        yield* model.stream(request, options);
        return;
      }
      const key = requestKey(model.id, request, options);
      const hit = await cache.get(key);
      if (hit) {
        yield* resultToStream(asCachedHit(hit));
        return;
      }
      yield* tapStream(model.stream(request, options), async (result) => {
        await cache.put(key, { model: model.id, role: options.role }, storableResult(result));
        return result;
      });
    },
  });
}
