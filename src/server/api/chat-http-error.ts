import { ChatError } from "../../chat/index.ts";
import { HttpError } from "../http-error.ts";

const STATUS = { not_found: 404, invalid: 400, conflict: 409 } as const;

/**
 * A chat-domain refusal as the HTTP error a client can act on (message and hint together); anything else is
 * returned unchanged for the API's error handler to classify (upstream failures, validation, 500s).
 */
export function chatHttpError(error: unknown): unknown {
  if (!(error instanceof ChatError)) return error;
  return new HttpError(STATUS[error.kind], error.code, error.hint ? `${error.message} ${error.hint}` : error.message);
}

/** Run a chat operation, turning its refusals into HTTP errors. */
export async function chatHttp<T>(run: () => T | Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw chatHttpError(error);
  }
}
