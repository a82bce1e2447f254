import type { FastifyInstance, FastifyReply } from "fastify";
import { useFailureHandler } from "../failure-handler.ts";
import { HttpError } from "../http-error.ts";
import { classifyFailure, type RequestFailure } from "../request-failure.ts";

/** OpenAI's error body: the openai client reads `error.message/type/param/code` from it (reference §1.4). */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

function typeOf(status: number): string {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 429) return "rate_limit_error";
  if (status === 503) return "service_unavailable_error";
  if (status >= 500) return "server_error";
  return "invalid_request_error";
}

function codeOf(failure: RequestFailure): string {
  // The openai ecosystem knows OpenAI's own names for these two; everything else keeps troupe's stable code.
  if (failure.status === 401) return "invalid_api_key";
  if (failure.status === 413) return "request_too_large";
  return failure.code;
}

/** OpenAI's status for a failure: never 409, which the openai client retries as if it were transient. */
export function openaiStatus(failure: RequestFailure): number {
  return failure.status === 409 ? 400 : failure.status;
}

/** The OpenAI error body of a failure. */
export function openaiErrorBody(failure: RequestFailure): OpenAIErrorBody {
  return {
    error: {
      message: failure.message,
      type: typeOf(failure.status),
      param: failure.param ?? null,
      code: codeOf(failure),
    },
  };
}

/** Send a failure as an OpenAI error response. */
export function sendOpenAIError(reply: FastifyReply, failure: RequestFailure): FastifyReply {
  if (failure.retryAfterSeconds !== undefined) reply.header("retry-after", String(failure.retryAfterSeconds));
  if (failure.noRetry) reply.header("x-should-retry", "false");
  return reply.code(openaiStatus(failure)).type("application/json").send(openaiErrorBody(failure));
}

/**
 * Give a scope OpenAI's error and not-found answers: every error, Fastify's own included (validation, bad JSON,
 * body limit, rate limit), leaves in OpenAI's shape and status; a request whose client left gets nothing.
 */
export function useOpenAIErrors(app: FastifyInstance): void {
  useFailureHandler(app, sendOpenAIError);
  app.setNotFoundHandler((request, reply) => {
    const error = new HttpError(404, "unknown_url", `Unknown request URL: ${request.method} ${request.url}.`);
    return sendOpenAIError(reply, classifyFailure(error, request));
  });
}
