import type { FastifyInstance } from "fastify";
import { useFailureHandler } from "../failure-handler.ts";
import { HttpError } from "../http-error.ts";

/** troupe's own error body: a stable code and a message a person can act on. */
export interface ApiErrorBody {
  error: { code: string; message: string; param?: string };
}

/**
 * Give the /api scope its error and not-found answers. Failures are classified once (request-failure.ts) for
 * every API; here they leave as `{error:{code,message}}` with their status, and 5xx never carry internals.
 */
export function useApiErrors(app: FastifyInstance): void {
  useFailureHandler(app, (reply, failure) => {
    if (failure.retryAfterSeconds !== undefined) reply.header("retry-after", String(failure.retryAfterSeconds));
    const body: ApiErrorBody = {
      error: { code: failure.code, message: failure.message, ...(failure.param ? { param: failure.param } : {}) },
    };
    return reply.code(failure.status).type("application/json").send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const error = new HttpError(404, "not_found", `Unknown API route: ${request.method} ${request.url.split("?")[0]}.`);
    return reply.code(404).send({ error: { code: error.code, message: error.message } } satisfies ApiErrorBody);
  });
}
