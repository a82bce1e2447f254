import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { classifyFailure, type RequestFailure } from "./request-failure.ts";

/** Log a failure at the level it deserves, with the real error (which never reaches the client). */
export function logFailure(request: FastifyRequest, failure: RequestFailure, error: unknown): void {
  if (failure.log === "error") request.log.error({ err: error, code: failure.code }, "request failed");
  else if (failure.log === "warn") request.log.warn({ err: error, code: failure.code }, "upstream failed");
}

/** True when the client is gone, so an answer would go nowhere. */
export function clientGone(reply: FastifyReply): boolean {
  return reply.raw.destroyed || reply.raw.socket?.destroyed === true;
}

/**
 * Give a scope its error handler: every error, Fastify's own included (validation, bad JSON, body limit, rate
 * limit), is classified once, logged, and sent in the scope's API shape by `send`; a request whose client left (or
 * whose stream already began) gets nothing more.
 */
export function useFailureHandler(
  app: FastifyInstance,
  send: (reply: FastifyReply, failure: RequestFailure) => FastifyReply,
): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const failure = classifyFailure(error, request);
    logFailure(request, failure, error);
    if (clientGone(reply) || reply.raw.headersSent) {
      // Nobody is listening, or the answer has begun: tell Fastify the reply is handled and close the connection.
      if (!reply.sent) reply.hijack();
      reply.raw.destroy();
      return;
    }
    return send(reply, failure);
  });
}
