import type { FastifyRequest } from "fastify";
import type { ChatService, ChatSummary, ReplyPolicy } from "../../chat/index.ts";
import type { Actor } from "../actor.ts";
import { HttpError } from "../http-error.ts";
import type { openSse } from "../sse.ts";

/** What the character, chat and message routes are built from; the server owns all of it. */
export interface ChatRoutesOptions {
  chats: ChatService;
  /** The reply policy (model, sampling, propensity) for a chat of this actor; throws HttpError when none serves it. */
  resolvePolicy(actor: Actor, chat: ChatSummary): Promise<ReplyPolicy>;
  /** The SSE writer (default: src/server/sse.ts). */
  openSse?: typeof openSse;
  /** Heartbeat of reply streams (ms). */
  pingMs?: number;
  /** Per-key limit of the routes that call a model (passed to @fastify/rate-limit). */
  rateLimit?: { max: number; timeWindow: number };
}

/** The signed-in user every query is scoped by (the /api scope authenticated the request before any route runs). */
export function ownerOf(request: FastifyRequest): string {
  if (!request.actor) throw new HttpError(401, "auth.required", "Sign in first.");
  return request.actor.userId;
}

/** The actor, for the policy resolver. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new HttpError(401, "auth.required", "Sign in first.");
  return request.actor;
}
