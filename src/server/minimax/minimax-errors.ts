import type { FastifyInstance, FastifyReply } from "fastify";
import { useFailureHandler } from "../failure-handler.ts";
import type { RequestFailure } from "../request-failure.ts";
import type { BaseResp } from "./minimax-response.ts";

/**
 * MiniMax's `base_resp.status_code` for a failure (role-play-bench.md §3.5). Upstream trouble that is the server's
 * (its key, its balance) is 1000, not 1004/1008: those would tell the client to fix its own key or account.
 */
export function minimaxCode(failure: RequestFailure): number {
  switch (failure.llmKind) {
    case "rate_limit":
      return 1002;
    case "quota_wait":
      return 2056;
    case "timeout":
      return 1001;
    case "content_flagged":
      return failure.providerCode === 1027 ? 1027 : 1026;
    case "invalid_request":
      return 2013;
    case undefined:
      break;
    default:
      return 1000;
  }
  if (failure.status === 401 || failure.status === 403) return 1004;
  if (failure.status === 429) return 1002;
  if (failure.status >= 400 && failure.status < 500) return 2013;
  return 1000;
}

/** The base_resp of a failure. */
export function minimaxBaseResp(failure: RequestFailure): BaseResp {
  return { status_code: minimaxCode(failure), status_msg: failure.message };
}

/** A MiniMax error body: base_resp, with the sensitivity flag a content-filter code implies. */
export function minimaxErrorBody(failure: RequestFailure): Record<string, unknown> {
  const base = minimaxBaseResp(failure);
  return {
    ...(base.status_code === 1026 ? { input_sensitive: true } : {}),
    ...(base.status_code === 1027 ? { output_sensitive: true } : {}),
    base_resp: base,
  };
}

/** Send a failure the MiniMax way: HTTP 200, the error in base_resp (MiniMax clients check it on every answer). */
export function sendMiniMaxError(reply: FastifyReply, failure: RequestFailure): FastifyReply {
  if (failure.retryAfterSeconds !== undefined) reply.header("retry-after", String(failure.retryAfterSeconds));
  return reply.code(200).type("application/json").send(minimaxErrorBody(failure));
}

/** Give a scope MiniMax's error answers: every error, Fastify's own included, becomes base_resp on HTTP 200. */
export function useMiniMaxErrors(app: FastifyInstance): void {
  useFailureHandler(app, sendMiniMaxError);
}
