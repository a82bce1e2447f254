import { ExitCode, TroupeError, type TroupeErrorOptions } from "../core/index.ts";

/**
 * What went wrong with a model call, as far as a caller needs to know to react: retry now, wait, or stop and tell
 * the user. Providers map their own statuses and codes (HTTP, MiniMax `base_resp`) onto these kinds.
 */
export type LlmErrorKind =
  /** Too many requests; retry after `retryAfterMs` or with back-off. */
  | "rate_limit"
  /** A usage window is exhausted (MiniMax 2056); waiting, not hammering, fixes it. */
  | "quota_wait"
  /** The server failed (5xx, MiniMax 1000/1024/1033); retry. */
  | "server"
  /** The call took too long; retry. */
  | "timeout"
  /** The connection failed or was reset mid-answer, or a stream was truncated; retry. */
  | "connection"
  /** The host cannot be reached at all (DNS failure, connection refused); retrying will not help soon. */
  | "unreachable"
  /** The key is missing, wrong or not allowed; fix the key. */
  | "auth"
  /** The account has no balance left. */
  | "balance"
  /** The provider's content filter rejected the input or output. */
  | "content_flagged"
  /** The request itself is wrong (bad parameter, unknown model); fix the request. */
  | "invalid_request"
  /** The model answered, but not in the required shape (structured output failed validation after repair). */
  | "invalid_output"
  /** The retry budget or a spending budget ran out. */
  | "budget"
  /** The caller aborted the call. */
  | "aborted";

const RETRYABLE: ReadonlySet<LlmErrorKind> = new Set(["rate_limit", "quota_wait", "server", "timeout", "connection"]);

export interface LlmErrorOptions extends TroupeErrorOptions {
  /** HTTP status, when there was one. */
  status?: number;
  /** Provider-specific code (MiniMax `base_resp.status_code`). */
  providerCode?: number;
  /** How long the provider asked us to wait (Retry-After), in ms. */
  retryAfterMs?: number;
  /** Model id the call went to. */
  model?: string;
}

/** A failed model call. `retryable` tells the retry middleware whether another attempt can help. */
export class LlmError extends TroupeError {
  readonly kind: LlmErrorKind;
  readonly retryable: boolean;
  readonly status: number | undefined;
  readonly providerCode: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly model: string | undefined;

  constructor(kind: LlmErrorKind, message: string, options: LlmErrorOptions = {}) {
    super(`llm.${kind}`, message, {
      exitCode: kind === "budget" ? ExitCode.budget : kind === "aborted" ? ExitCode.interrupted : ExitCode.model,
      ...options,
    });
    this.kind = kind;
    this.retryable = RETRYABLE.has(kind);
    this.status = options.status;
    this.providerCode = options.providerCode;
    this.retryAfterMs = options.retryAfterMs;
    this.model = options.model;
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      kind: this.kind,
      retryable: this.retryable,
      status: this.status,
      providerCode: this.providerCode,
      model: this.model,
    };
  }
}

/** True when another attempt of the same call may succeed. */
export function isRetryable(error: unknown): boolean {
  return error instanceof LlmError && error.retryable;
}
