/**
 * An error a route answers with on purpose. Each API encodes it in its own shape (OpenAI `{error:{message,type,
 * param,code}}`, MiniMax `base_resp` on HTTP 200, troupe's `{error:{code,message}}`); the message is written for
 * the client and never carries internals.
 */
export class HttpError extends Error {
  constructor(
    /** HTTP status (4xx for the caller's mistakes, 502/503 for upstream failures). */
    readonly status: number,
    /** Stable machine-readable code: "model_not_found", "chat.not_found", "upstream.rate_limit". */
    readonly code: string,
    message: string,
    readonly extra: {
      /** The request field at fault, as a dotted path ("messages.0.role"). */
      param?: string;
      /** Seconds the client should wait (sent as Retry-After). */
      retryAfterSeconds?: number;
    } = {},
  ) {
    super(message);
    this.name = "HttpError";
  }
}

/** 404 for a thing that does not exist or belongs to someone else: the two must be indistinguishable. */
export function notFound(what: string, id: string): HttpError {
  return new HttpError(404, `${what}.not_found`, `No ${what} "${id}".`);
}
