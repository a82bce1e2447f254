import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { FinishReason, Usage } from "../../llm/index.ts";
import type { GatewayEvent } from "../gateway.ts";
import { HttpError } from "../http-error.ts";
import {
  actorOf,
  COMPLETION_BODY_LIMIT,
  classifyFailure,
  logFailure,
  type WireRoutesOptions,
} from "../openai/index.ts";
import { clientGoneSignal, openSse } from "../sse.ts";
import { minimaxErrorBody, useMiniMaxErrors } from "./minimax-errors.ts";
import {
  type MiniMaxChatRequest,
  minimaxChatRequest,
  replyNameOf,
  toGatewayRequestFromMiniMax,
} from "./minimax-request.ts";
import { minimaxCompletionBody, minimaxDeltaChunk, minimaxFinalChunk } from "./minimax-response.ts";

/** MiniMax's chat path; the plugin registers it verbatim, so register the plugin without a prefix. */
export const MINIMAX_CHAT_PATH = "/v1/text/chatcompletion_v2";

export interface MiniMaxRoutesOptions extends WireRoutesOptions {
  /** The route's path (default MINIMAX_CHAT_PATH): give "/chatcompletion_v2" when registering under a prefix. */
  path?: string;
}

type Iter = AsyncIterator<GatewayEvent>;
type Start = Extract<GatewayEvent, { type: "start" }>;

/** The single choice's state as events arrive. */
class SingleChoice {
  text = "";
  finish: FinishReason | undefined;
  usage: Usage | undefined;

  /** Take one event; returns the text it added. */
  add(event: GatewayEvent): string {
    if (event.type === "usage") this.usage = event.usage;
    else if (event.type === "delta" && event.choice === 0) {
      this.text += event.text;
      return event.text;
    } else if (event.type === "finish" && event.choice === 0) this.finish = event.reason;
    return "";
  }

  /** The finish reason; throws when the gateway ended without one (a truncated answer is not a success). */
  finished(): FinishReason {
    if (this.finish === undefined) throw new HttpError(502, "incomplete_completion", "The reply ended unfinished.");
    return this.finish;
  }
}

async function firstEvent(events: Iter): Promise<Start> {
  const first = await events.next();
  if (first.done || first.value.type !== "start") throw new Error("gateway did not begin with a start event");
  return first.value;
}

async function sendCompletion(events: Iter, body: MiniMaxChatRequest, reply: FastifyReply): Promise<FastifyReply> {
  const start = await firstEvent(events);
  const choice = new SingleChoice();
  for (let next = await events.next(); !next.done; next = await events.next()) choice.add(next.value);
  const reason = choice.finished();
  return reply
    .type("application/json")
    .send(minimaxCompletionBody(start, choice.text, reason, choice.usage, replyNameOf(body)));
}

async function streamCompletion(
  events: Iter,
  body: MiniMaxChatRequest,
  request: FastifyRequest,
  reply: FastifyReply,
  pingMs: number | undefined,
): Promise<void> {
  const start = await firstEvent(events);
  const name = replyNameOf(body);
  const choice = new SingleChoice();
  const sse = openSse(request, reply, pingMs === undefined ? {} : { pingMs });
  try {
    for (let next = await events.next(); !next.done; next = await events.next()) {
      const text = choice.add(next.value);
      if (text && !(await sse.send(JSON.stringify(minimaxDeltaChunk(start, text, name))))) return;
    }
    const final = minimaxFinalChunk(start, choice.text, choice.finished(), choice.usage, name);
    if (!(await sse.send(JSON.stringify(final)))) return;
    await sse.send("[DONE]");
  } catch (error) {
    // Headers are out: the error goes in-stream as a chunk whose base_resp carries the code, and no [DONE].
    // A client that left ended the call itself (the gateway keeps the partial reply): nothing failed.
    if (sse.signal.aborted) return;
    const failure = classifyFailure(error, request);
    logFailure(request, failure, error);
    await sse.send(JSON.stringify({ id: start.id, ...minimaxErrorBody(failure) }));
  } finally {
    sse.end();
  }
}

/**
 * MiniMax's native chat API (`POST /v1/text/chatcompletion_v2`: role-play roles, base_resp on every body, errors
 * on HTTP 200), so apps written for M2-her can point at troupe. Its own scope for auth and error encoding; it sets
 * no not-found handler, so it can be registered at the root without taking over the root's 404s.
 */
export const minimaxRoutes: FastifyPluginAsync<MiniMaxRoutesOptions> = async (fastify, options) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  useMiniMaxErrors(app);
  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
    request.actor = await options.authenticate(request);
  });

  app.post(
    options.path ?? MINIMAX_CHAT_PATH,
    {
      schema: { body: minimaxChatRequest },
      bodyLimit: options.bodyLimit ?? COMPLETION_BODY_LIMIT,
      ...(options.rateLimit ? { config: { rateLimit: options.rateLimit } } : {}),
    },
    async (request, reply) => {
      const body = request.body;
      const signal = clientGoneSignal(reply.raw);
      const events = options.gateway
        .complete(actorOf(request), toGatewayRequestFromMiniMax(body), signal)
        [Symbol.asyncIterator]();
      try {
        if (body.stream) return await streamCompletion(events, body, request, reply, options.pingMs);
        return await sendCompletion(events, body, reply);
      } finally {
        await events.return?.().catch(() => {});
      }
    },
  );
};
