import { LlmError } from "./llm-error.ts";

/**
 * One attempt's cancellation: the caller's signal plus a timeout we own. The timeout is ours rather than the HTTP
 * client's because clients stop timing once headers arrive, and a stream that stalls mid-body must end too.
 * For streams call `touch()` on every chunk: the timeout then measures silence, not total length.
 */
export interface AttemptDeadline {
  /** An AbortSignal that fires with the deadline (or the caller's abort); hand it to the HTTP call. */
  readonly signal: AbortSignal;
  /** Restart the timer (a chunk arrived). */
  touch(): void;
  /** The error to raise if the signal fired: `aborted` for the caller, `timeout` for ours; undefined otherwise. */
  reason(): LlmError | undefined;
  /** Stop the timer and detach from the caller's signal. */
  dispose(): void;
}

/**
 * The attempts running under each caller signal. A bench run hands one run-wide signal to every call; one abort
 * listener per signal that fans out to a Set costs a Set insert and delete per attempt, where an EventTarget
 * listener added and removed per attempt cost several microseconds each at a thousand calls a second.
 */
const attemptsBySignal = new WeakMap<AbortSignal, Set<Deadline>>();

function watch(signal: AbortSignal, deadline: Deadline): void {
  let attempts = attemptsBySignal.get(signal);
  if (!attempts) {
    const created = new Set<Deadline>();
    attempts = created;
    attemptsBySignal.set(signal, created);
    signal.addEventListener(
      "abort",
      () => {
        for (const attempt of created) attempt.cancel();
        created.clear();
      },
      { once: true },
    );
  }
  attempts.add(deadline);
}

// A class rather than closures: no per-call function objects on a path taken by every model call.
class Deadline implements AttemptDeadline {
  private controller: AbortController | undefined;
  /** Why the attempt stopped, once it has. */
  private stopped: Error | undefined;
  /** The abort reason as given (the caller's own reason, or our timeout error), for the AbortSignal. */
  private abortReason: unknown;
  private timedOut = false;
  private disposed = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly model: string,
    private readonly timeoutMs: number,
    private readonly caller: AbortSignal | undefined,
  ) {
    if (caller?.aborted) this.stop(caller.reason);
    else if (caller) watch(caller, this);
    if (!this.stopped) this.arm();
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.stopped) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  /** The caller's signal fired. */
  cancel(): void {
    this.stop(this.caller?.reason);
  }

  touch(): void {
    if (!this.disposed && !this.stopped) this.arm();
  }

  reason(): LlmError | undefined {
    const { model, timeoutMs } = this;
    if (this.timedOut)
      return new LlmError("timeout", `${model} did not answer within ${timeoutMs} ms.`, {
        model,
        hint: "The server is slow or overloaded; the call is retried. Raise timeoutMs for this endpoint if it persists.",
      });
    if (this.caller?.aborted) return new LlmError("aborted", `The call to ${model} was cancelled.`, { model });
    return undefined;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.disposed = true;
    if (this.caller) attemptsBySignal.get(this.caller)?.delete(this);
  }

  /** Our timeout fired. */
  expire(): void {
    this.timedOut = true;
    this.stop(new Error(`timed out after ${this.timeoutMs} ms`));
  }

  private stop(reason: unknown): void {
    if (this.stopped) return;
    this.stopped = reason instanceof Error ? reason : new Error(String(reason ?? "aborted"));
    this.abortReason = reason;
    this.controller?.abort(reason);
  }

  private arm(): void {
    if (this.timer) {
      this.timer.refresh();
      return;
    }
    this.timer = setTimeout(expire, this.timeoutMs, this);
    this.timer.unref?.();
  }
}

function expire(deadline: Deadline): void {
  deadline.expire();
}

/** Start a deadline of `timeoutMs` linked to the caller's `signal`. */
export function startDeadline(model: string, timeoutMs: number, signal?: AbortSignal): AttemptDeadline {
  return new Deadline(model, timeoutMs, signal);
}

/** Default per-attempt timeout for remote models when neither the call nor the endpoint sets one. */
export const DEFAULT_TIMEOUT_MS = 120_000;
