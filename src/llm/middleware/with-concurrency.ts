import type { CallOptions } from "../call-options.ts";
import type { ChatModel, ChatModelMiddleware } from "../chat-model.ts";
import type { ChatRequest } from "../chat-request.ts";
import type { ChatChunk, ChatResult } from "../chat-result.ts";
import { LlmError } from "../llm-error.ts";

export interface AdaptiveLimiterOptions {
  /** Concurrent calls allowed at the start (default 4). */
  initial?: number;
  /** Ceiling the limit never grows past (default 64). */
  max?: number;
  /** Floor the limit never shrinks below (default 1). */
  min?: number;
}

/** Proof of holding a slot; carries the epoch it was granted in. */
export interface LimiterSlot {
  readonly epoch: number;
}

/** How a call ended, as far as the limiter cares. */
export type SlotOutcome = "success" | "rate_limited" | "failure";

/**
 * An AIMD concurrency limit for one endpoint, as TCP does for congestion. Until the first rate limit it is in slow
 * start: every success adds one, so the limit doubles per window and a healthy endpoint reaches its ceiling in a few
 * dozen calls. After a rate limit it halves and then grows by one per full window of successes. A burst of 429s
 * from calls launched under the same limit halves it once, not once per call (the epoch check), so one overload
 * does not collapse the limit to 1.
 */
export class AdaptiveLimiter {
  private current: number;
  private readonly max: number;
  private readonly min: number;
  private running = 0;
  private successes = 0;
  private epochNo = 0;
  private slowStart = true;
  private readonly waiting: Array<{ grant: (slot: LimiterSlot) => void; reject: (e: unknown) => void }> = [];

  constructor(options: AdaptiveLimiterOptions = {}) {
    this.max = Math.max(1, options.max ?? 64);
    this.min = Math.max(1, Math.min(options.min ?? 1, this.max));
    this.current = Math.min(this.max, Math.max(this.min, options.initial ?? 4));
  }

  /** The current limit. */
  get limit(): number {
    return this.current;
  }
  /** Calls holding a slot now. */
  get active(): number {
    return this.running;
  }
  /** Calls waiting for a slot. */
  get pending(): number {
    return this.waiting.length;
  }

  /** Wait for a slot; rejects with `aborted` if the signal fires first. */
  acquire(signal?: AbortSignal): Promise<LimiterSlot> {
    if (signal?.aborted) return Promise.reject(new LlmError("aborted", "The call was cancelled while queued."));
    if (this.running < this.current) {
      this.running++;
      return Promise.resolve({ epoch: this.epochNo });
    }
    return new Promise((resolve, reject) => {
      const entry = {
        grant: (slot: LimiterSlot) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(slot);
        },
        reject,
      };
      const onAbort = () => {
        const at = this.waiting.indexOf(entry);
        if (at !== -1) this.waiting.splice(at, 1);
        reject(new LlmError("aborted", "The call was cancelled while queued."));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiting.push(entry);
    });
  }

  /** Give a slot back and adapt the limit to how the call went. */
  release(slot: LimiterSlot, outcome: SlotOutcome): void {
    this.running--;
    if (outcome === "rate_limited") {
      if (slot.epoch === this.epochNo) {
        this.slowStart = false;
        this.current = Math.max(this.min, Math.floor(this.current / 2));
        this.epochNo++;
        this.successes = 0;
      }
    } else if (outcome === "success") {
      this.successes++;
      if (this.current < this.max && (this.slowStart || this.successes >= this.current)) {
        this.current++;
        this.successes = 0;
      }
    }
    while (this.running < this.current && this.waiting.length > 0) {
      this.running++;
      this.waiting.shift()?.grant({ epoch: this.epochNo });
    }
  }
}

function outcomeOf(error: unknown): SlotOutcome {
  return error instanceof LlmError && (error.kind === "rate_limit" || error.kind === "quota_wait")
    ? "rate_limited"
    : "failure";
}

/**
 * Hold a limiter slot for each attempt. It sits inside the retry middleware, so a call waiting out its back-off
 * does not occupy a slot, and every attempt's 429 reaches the limiter.
 */
export function withConcurrency(limiter: AdaptiveLimiter): ChatModelMiddleware {
  return (model: ChatModel): ChatModel => ({
    id: model.id,
    provider: model.provider,
    async chat(request: ChatRequest, options: CallOptions = {}): Promise<ChatResult> {
      const slot = await limiter.acquire(options.signal);
      try {
        const result = await model.chat(request, options);
        limiter.release(slot, "success");
        return result;
      } catch (error) {
        limiter.release(slot, outcomeOf(error));
        throw error;
      }
    },
    async *stream(request: ChatRequest, options: CallOptions = {}): AsyncIterable<ChatChunk> {
      const slot = await limiter.acquire(options.signal);
      let outcome: SlotOutcome = "failure";
      try {
        for await (const chunk of model.stream(request, options)) {
          if (chunk.type === "finish") outcome = "success";
          yield chunk;
        }
      } catch (error) {
        outcome = outcomeOf(error);
        throw error;
      } finally {
        limiter.release(slot, outcome);
      }
    },
  });
}
