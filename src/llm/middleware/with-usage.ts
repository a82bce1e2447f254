import type { Price } from "../../core/index.ts";
import type { CallOptions } from "../call-options.ts";
import type { ChatModel, ChatModelMiddleware } from "../chat-model.ts";
import type { ChatRequest } from "../chat-request.ts";
import type { ChatChunk, ChatResult } from "../chat-result.ts";
import { costOf, type PriceTable } from "../price-table.ts";
import { tapStream } from "../result-stream.ts";
import type { UsageMeter } from "../usage-meter.ts";

export interface UsageOptions {
  /** Where totals accumulate; optional when only `costUsd` on each result is wanted. */
  meter?: UsageMeter;
  prices: PriceTable;
  /** A price that overrides the table for this model (a named endpoint's `price`). */
  price?: Price;
}

/**
 * Price each answer (`ChatResult.costUsd`; 0 for cache and cassette hits, undefined when the model has no price)
 * and add it to the meter under the caller's role. Outside the cache and retry layers, so it sees the final
 * answer, whether it was cached, and how many retries it took.
 */
export function withUsage(options: UsageOptions): ChatModelMiddleware {
  return (model: ChatModel): ChatModel => {
    const price = options.price ?? options.prices.priceFor(model.id);
    const annotate = (result: ChatResult, role: string): ChatResult => {
      const costUsd = result.cached ? 0 : price ? costOf(result.usage, price) : undefined;
      const priced: ChatResult = costUsd === undefined ? result : { ...result, costUsd };
      options.meter?.recordResult(role, priced);
      return priced;
    };
    return {
      id: model.id,
      provider: model.provider,
      async chat(request: ChatRequest, callOptions: CallOptions = {}): Promise<ChatResult> {
        const role = callOptions.role ?? "default";
        try {
          return annotate(await model.chat(request, callOptions), role);
        } catch (error) {
          options.meter?.recordFailure(role, model.id, error);
          throw error;
        }
      },
      async *stream(request: ChatRequest, callOptions: CallOptions = {}): AsyncIterable<ChatChunk> {
        const role = callOptions.role ?? "default";
        try {
          yield* tapStream(model.stream(request, callOptions), (result) => annotate(result, role));
        } catch (error) {
          options.meter?.recordFailure(role, model.id, error);
          throw error;
        }
      },
    };
  };
}
