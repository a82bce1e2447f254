import { LlmError } from "./llm-error.ts";

/**
 * One attempt's cancellation: the caller's signal plus a timeout we own. The timeout is ours rather than the HTTP
 * client's because clients stop timing once headers arrive, and a stream that stalls mid-body must end too.
 * For streams call `touch()` on every chunk: the timeout then measures silence, not total length.
 */
export interface AttemptDeadline {
  readonly signal: AbortSignal;
  /** Restart the timer (a chunk arrived). */
  touch(): void;
  /** The error to raise if the signal fired: `aborted` for the caller, `timeout` for ours; undefined otherwise. */
  reason(): LlmError | undefined;
  /** Stop the timer and detach from the caller's signal. */
  dispose(): void;
}

/** Start a deadline of `timeoutMs` linked to the caller's `signal`. */
export function startDeadline(model: string, timeoutMs: number, signal?: AbortSignal): AttemptDeadline {
  const controller = new AbortController();
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    timer.unref?.();
  };
  const onAbort = () => controller.abort(signal?.reason);
  if (signal?.aborted) controller.abort(signal.reason);
  else signal?.addEventListener("abort", onAbort, { once: true });
  arm();
  return {
    signal: controller.signal,
    touch: () => {
      if (!controller.signal.aborted) arm();
    },
    reason: () => {
      if (timedOut)
        return new LlmError("timeout", `${model} did not answer within ${timeoutMs} ms.`, {
          model,
          hint: "The server is slow or overloaded; the call is retried. Raise timeoutMs for this endpoint if it persists.",
        });
      if (signal?.aborted) return new LlmError("aborted", `The call to ${model} was cancelled.`, { model });
      return undefined;
    },
    dispose: () => {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    },
  };
}

/** Default per-attempt timeout for remote models when neither the call nor the endpoint sets one. */
export const DEFAULT_TIMEOUT_MS = 120_000;
