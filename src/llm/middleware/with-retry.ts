import type { Logger } from "../../core/index.ts";
import type { CallOptions } from "../call-options.ts";
import type { ChatModel, ChatModelMiddleware } from "../chat-model.ts";
import type { ChatRequest } from "../chat-request.ts";
import type { ChatChunk, ChatResult } from "../chat-result.ts";
import { LlmError } from "../llm-error.ts";

/**
 * A pool of retries shared by every call to one endpoint. When an endpoint is down, per-call retry limits alone
 * would multiply: 10,000 queued calls × 6 retries. The budget caps the total, so a dead endpoint fails the run fast.
 */
export class RetryBudget {
  private left: number;
  constructor(readonly total: number) {
    this.left = total;
  }
  /** Take one retry; false when the budget is spent. */
  tryTake(): boolean {
    if (this.left <= 0) return false;
    this.left--;
    return true;
  }
  get remaining(): number {
    return this.left;
  }
}

export interface RetryOptions {
  /** Retries per call after the first attempt (default 6). */
  maxRetries?: number;
  /** First back-off ceiling in ms; doubles each retry (default 500). */
  baseDelayMs?: number;
  /** Largest back-off ceiling in ms (default 30 s); also the wait between tries of a `quota_wait` error. */
  maxDelayMs?: number;
  /** A Retry-After longer than this fails the call at once instead of parking it (default 10 min). */
  maxRetryAfterMs?: number;
  /** Shared per endpoint; unlimited when absent. */
  budget?: RetryBudget;
  /** Uniform [0, 1) source for jitter (injectable for tests). */
  random?: () => number;
  /** Waits `ms`, rejecting when `signal` aborts (injectable for tests). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  logger?: Logger;
  /** Called before each back-off wait. */
  onRetry?: (info: { attempt: number; delayMs: number; error: LlmError }) => void;
}

/** Sleep that ends early, with an `aborted` LlmError, when the signal fires. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const abortError = () => new LlmError("aborted", "The call was cancelled while waiting to retry.");
    if (signal?.aborted) {
      reject(abortError());
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * The wait before retry number `attempt` (0-based): full jitter, uniform in [0, min(max, base·2^attempt)), as in
 * AWS's "Exponential Backoff and Jitter" — it spreads a burst of failures out instead of retrying them in lockstep.
 * A server's Retry-After is a floor; a `quota_wait` error waits at least `maxDelayMs`.
 */
export function backoffDelay(
  attempt: number,
  error: LlmError,
  options: { baseDelayMs: number; maxDelayMs: number },
  random: () => number,
): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** attempt);
  const jitter = random() * ceiling;
  const floor =
    error.kind === "quota_wait" ? Math.max(error.retryAfterMs ?? 0, options.maxDelayMs) : (error.retryAfterMs ?? 0);
  return Math.max(floor, jitter);
}

function gaveUp(error: LlmError, attempts: number): LlmError {
  return new LlmError(error.kind, `${error.message} (gave up after ${attempts} attempts)`, {
    ...(error.status === undefined ? {} : { status: error.status }),
    ...(error.providerCode === undefined ? {} : { providerCode: error.providerCode }),
    ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    ...(error.model === undefined ? {} : { model: error.model }),
    // The provider's hint promised a retry; after the last one, say what to do instead.
    hint:
      error.hint === undefined || /retr(y|ied|ies)|backs off/i.test(error.hint)
        ? `The endpoint failed ${attempts} times in a row; check it (troupe models test <spec>) or try again later.`
        : error.hint,
    details: { ...error.details, attempts },
    cause: error,
  });
}

/**
 * Retry retryable failures (rate limits, 5xx, timeouts, dropped connections, MiniMax's retryable codes) with
 * full-jitter exponential back-off, honouring Retry-After, within a per-call limit and a shared budget. Abort
 * stops waiting at once. The answer records how many attempts failed before it (`retries`). A stream is retried
 * only until its first delta: text already handed to the caller cannot be taken back.
 */
export function withRetry(options: RetryOptions = {}): ChatModelMiddleware {
  const maxRetries = options.maxRetries ?? 6;
  const delays = { baseDelayMs: options.baseDelayMs ?? 500, maxDelayMs: options.maxDelayMs ?? 30_000 };
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 600_000;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? abortableSleep;

  return (model: ChatModel): ChatModel => {
    /** Decide whether failure number `attempt` (0-based) is retried; waits if so, throws if not. */
    async function decide(error: unknown, attempt: number, callOptions: CallOptions): Promise<void> {
      if (!(error instanceof LlmError) || !error.retryable) throw error;
      if (callOptions.signal?.aborted)
        throw new LlmError("aborted", `The call to ${model.id} was cancelled.`, { model: model.id, cause: error });
      if (attempt >= maxRetries) throw gaveUp(error, attempt + 1);
      if (error.retryAfterMs !== undefined && error.retryAfterMs > maxRetryAfterMs)
        throw new LlmError(
          error.kind,
          `${error.message} (the server asked to wait ${Math.round(error.retryAfterMs / 1000)} s)`,
          {
            model: model.id,
            cause: error,
            hint: "The provider's limit resets later than troupe is willing to wait; resume the run later.",
          },
        );
      if (options.budget && !options.budget.tryTake())
        throw new LlmError("budget", `The retry budget for ${model.id} is spent (${options.budget.total} retries).`, {
          model: model.id,
          cause: error,
          hint: "The endpoint keeps failing; check it (troupe models test <spec>), then resume. Raise retry.budget in troupe.config.yaml if the failures are expected.",
        });
      const delayMs = backoffDelay(attempt, error, delays, random);
      options.onRetry?.({ attempt: attempt + 1, delayMs, error });
      options.logger?.debug(
        { model: model.id, kind: error.kind, attempt: attempt + 1, delayMs },
        "retrying model call",
      );
      await sleep(delayMs, callOptions.signal);
    }

    async function chat(request: ChatRequest, callOptions: CallOptions = {}): Promise<ChatResult> {
      for (let attempt = 0; ; attempt++) {
        try {
          const result = await model.chat(request, callOptions);
          return attempt === 0 ? result : { ...result, retries: attempt };
        } catch (error) {
          await decide(error, attempt, callOptions);
        }
      }
    }

    async function* stream(request: ChatRequest, callOptions: CallOptions = {}): AsyncIterable<ChatChunk> {
      for (let attempt = 0; ; attempt++) {
        let yielded = false;
        try {
          for await (const chunk of model.stream(request, callOptions)) {
            if (chunk.type === "finish") {
              yield { type: "finish", result: attempt === 0 ? chunk.result : { ...chunk.result, retries: attempt } };
              return;
            }
            yielded = true;
            yield chunk;
          }
          return;
        } catch (error) {
          if (yielded) throw error;
          await decide(error, attempt, callOptions);
        }
      }
    }

    return { id: model.id, provider: model.provider, chat, stream };
  };
}
