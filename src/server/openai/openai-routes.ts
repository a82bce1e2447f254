import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { Actor } from "../actor.ts";
import { logFailure } from "../failure-handler.ts";
import type { Gateway, GatewayEvent } from "../gateway.ts";
import { HttpError } from "../http-error.ts";
import { classifyFailure } from "../request-failure.ts";
import { clientGoneSignal, openSse } from "../sse.ts";
import { CompletionCollector, openaiCompletionBody } from "./openai-completion.ts";
import { openaiErrorBody, useOpenAIErrors } from "./openai-errors.ts";
import { openaiModel, openaiModelList } from "./openai-models.ts";
import { type OpenAIChatRequest, openaiChatRequest, toGatewayRequest } from "./openai-request.ts";
import { OpenAIChunkEncoder } from "./openai-stream.ts";

/** Body limit of a completion request: long histories and big character prompts fit (serve-design.md). */
export const COMPLETION_BODY_LIMIT = 8 * 1024 * 1024;

/** What the wire plugins (OpenAI and MiniMax) take from the server. */
export interface WireRoutesOptions {
  gateway: Gateway;
  /** Resolve the caller or throw `HttpError(401, …)`; runs in the plugin's own scope so 401s get its shape. */
  authenticate(request: FastifyRequest): Promise<Actor>;
  /** @fastify/rate-limit route options; the completion route opts in with them when given. */
  rateLimit?: object;
  /** Body limit of the completion route in bytes (default 8 MiB). */
  bodyLimit?: number;
  /** Heartbeat interval of streams in ms (default 15 s). */
  pingMs?: number;
}

type Iter = AsyncIterator<GatewayEvent>;

/** The caller resolved by the plugin's onRequest hook. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new HttpError(401, "auth.missing", "Send an API key as 'Authorization: Bearer <key>'.");
  return request.actor;
}

/** Wait for the gateway's first event: failures before it still get a status code. */
async function firstEvent(events: Iter): Promise<Extract<GatewayEvent, { type: "start" }>> {
  const first = await events.next();
  if (first.done || first.value.type !== "start") throw new Error("gateway did not begin with a start event");
  return first.value;
}

async function sendCompletion(events: Iter, body: OpenAIChatRequest, reply: FastifyReply): Promise<FastifyReply> {
  const collector = new CompletionCollector(body.n ?? 1);
  collector.add(await firstEvent(events));
  for (let next = await events.next(); !next.done; next = await events.next()) collector.add(next.value);
  return reply.type("application/json").send(openaiCompletionBody(collector.result()));
}

async function streamCompletion(
  events: Iter,
  body: OpenAIChatRequest,
  request: FastifyRequest,
  reply: FastifyReply,
  pingMs: number | undefined,
): Promise<void> {
  const start = await firstEvent(events);
  const encoder = new OpenAIChunkEncoder(start, body.n ?? 1, body.stream_options?.include_usage === true);
  const sse = openSse(request, reply, pingMs === undefined ? {} : { pingMs });
  const sendAll = async (chunks: Record<string, unknown>[]) => {
    for (const chunk of chunks) if (!(await sse.send(JSON.stringify(chunk)))) return false;
    return true;
  };
  try {
    if (!(await sendAll(encoder.opening()))) return;
    for (let next = await events.next(); !next.done; next = await events.next())
      if (!(await sendAll(encoder.encode(next.value)))) return;
    if (!(await sendAll(encoder.closing()))) return;
    await sse.send("[DONE]");
  } catch (error) {
    // Headers are out: the error goes in-stream, which the openai client raises as an APIError without status.
    // A client that left ended the call itself (the gateway keeps the partial reply): nothing failed.
    if (sse.signal.aborted) return;
    const failure = classifyFailure(error, request);
    logFailure(request, failure, error);
    await sse.send(JSON.stringify(openaiErrorBody(failure)));
  } finally {
    sse.end();
  }
}

/**
 * OpenAI's Chat Completions and Models API (`/chat/completions`, `/models`), registered by the server under `/v1`.
 * Its own scope: authentication, errors and 404s are encoded the way the openai client expects.
 */
export const openaiRoutes: FastifyPluginAsync<WireRoutesOptions> = async (fastify, options) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  useOpenAIErrors(app);
  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
    request.actor = await options.authenticate(request);
  });

  app.post(
    "/chat/completions",
    {
      schema: { body: openaiChatRequest },
      bodyLimit: options.bodyLimit ?? COMPLETION_BODY_LIMIT,
      ...(options.rateLimit ? { config: { rateLimit: options.rateLimit } } : {}),
    },
    async (request, reply) => {
      const body = request.body;
      const gatewayRequest = toGatewayRequest(body, request.headers);
      // Aborted when the client leaves, streaming or not: the gateway cancels upstream and keeps the partial reply.
      const signal = clientGoneSignal(reply.raw);
      const events = options.gateway.complete(actorOf(request), gatewayRequest, signal)[Symbol.asyncIterator]();
      try {
        if (body.stream) return await streamCompletion(events, body, request, reply, options.pingMs);
        return await sendCompletion(events, body, reply);
      } finally {
        // Release the gateway's generator (its finally blocks run) whether we finished, failed or the client left.
        await events.return?.().catch(() => {});
      }
    },
  );

  app.get("/models", async (request) => openaiModelList(await options.gateway.models(actorOf(request))));

  app.get("/models/*", async (request) => {
    const id = (request.params as { "*": string })["*"];
    const model = (await options.gateway.models(actorOf(request))).find((m) => m.id === id);
    if (!model)
      throw new HttpError(404, "model_not_found", `The model "${id}" does not exist or you do not have access to it.`);
    return openaiModel(model);
  });
};
