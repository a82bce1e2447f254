// A small Fastify app with the wire plugins, configured like the server's root (zod compilers, rate-limit with
// global:false on preHandler keyed by the actor), and gateways for tests: one wrapping a real ChatModel, one scripted.
import rateLimit from "@fastify/rate-limit";
import Fastify, { type FastifyInstance, type FastifyRequest } from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import { loadConfig } from "../../../src/core/index.ts";
import { addUsage, type ChatModel, type Usage } from "../../../src/llm/index.ts";
import { resolveModel } from "../../../src/llm/resolve-model.ts";
import type { Actor } from "../../../src/server/actor.ts";
import type { Gateway, GatewayEvent, GatewayRequest, ServedModelInfo } from "../../../src/server/gateway.ts";
import { HttpError } from "../../../src/server/http-error.ts";
import { minimaxRoutes } from "../../../src/server/minimax/index.ts";
import { openaiRoutes } from "../../../src/server/openai/index.ts";

export const TEST_KEY = "sk-troupe-test";
export const ACTOR: Actor = { userId: "u1", role: "user", via: "key", keyId: "k1" };

/** Bearer-key authentication like the server's: one valid key. */
export async function authenticate(request: FastifyRequest): Promise<Actor> {
  const header = request.headers.authorization ?? "";
  if (header !== `Bearer ${TEST_KEY}`) throw new HttpError(401, "auth.invalid_key", "Invalid API key.");
  return ACTOR;
}

/** What a test gateway saw: the requests and their abort signals. */
export interface GatewayLog {
  requests: GatewayRequest[];
  signals: AbortSignal[];
}

export type ScriptedComplete = (request: GatewayRequest, signal: AbortSignal) => AsyncIterable<GatewayEvent>;

/** A gateway whose completions are scripted by the test. */
export function scriptedGateway(
  complete: ScriptedComplete,
  models: ServedModelInfo[] = [],
): Gateway & { log: GatewayLog } {
  const log: GatewayLog = { requests: [], signals: [] };
  return {
    log,
    async models() {
      return models;
    },
    complete(_actor, request, signal) {
      log.requests.push(request);
      log.signals.push(signal);
      return complete(request, signal);
    },
  };
}

/** A gateway serving one real ChatModel under `name`, n candidates one after another. */
export function modelGateway(model: ChatModel, name = "fake"): Gateway & { log: GatewayLog } {
  let counter = 0;
  return scriptedGateway(
    async function* (request, signal) {
      if (request.model !== name)
        throw new HttpError(404, "model_not_found", `The model "${request.model}" does not exist.`);
      yield { type: "start", id: `chatcmpl-${++counter}`, model: name, created: 1_700_000_000 };
      let usage: Usage = { promptTokens: 0, completionTokens: 0 };
      for (let choice = 0; choice < request.n; choice++) {
        const stream = model.stream(
          {
            messages: request.messages,
            ...(request.sampling.temperature === undefined ? {} : { temperature: request.sampling.temperature }),
            ...(request.sampling.maxTokens === undefined ? {} : { maxTokens: request.sampling.maxTokens }),
          },
          { signal },
        );
        for await (const chunk of stream) {
          if (chunk.type === "delta") yield { type: "delta", choice, text: chunk.text };
          else {
            usage = addUsage(usage, chunk.result.usage);
            yield { type: "finish", choice, reason: chunk.result.finishReason };
          }
        }
      }
      yield { type: "usage", usage };
    },
    [{ id: name, created: 1_700_000_000, ownedBy: "troupe" }],
  );
}

/** A ChatModel on the fake LLM server's OpenAI endpoint, without retries (tests script every call). */
export async function fakeServerModel(openaiBaseUrl: string): Promise<ChatModel> {
  return resolveModel(`${openaiBaseUrl}#fake`, {
    config: loadConfig({ env: {}, cwd: "/nonexistent" }),
    retry: { sleep: async () => {} },
  });
}

export interface WireAppOptions {
  rateLimit?: object;
  bodyLimit?: number;
  pingMs?: number;
}

/** Build and start the app; returns it with its base URL ("http://127.0.0.1:PORT"). */
export async function startWireApp(
  gateway: Gateway,
  options: WireAppOptions = {},
): Promise<{ app: FastifyInstance; url: string }> {
  // Close every socket on close(): fetch may keep a spare connection open after an aborted stream.
  const app = Fastify({ logger: false, forceCloseConnections: true });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(rateLimit, {
    global: false,
    hook: "preHandler",
    keyGenerator: (request) => request.actor?.keyId ?? request.actor?.userId ?? request.ip,
  });
  const wire = { gateway, authenticate, ...options };
  await app.register(openaiRoutes, { prefix: "/v1", ...wire });
  // MiniMax's route carries its full path, so it is registered at the root, beside /v1.
  await app.register(minimaxRoutes, wire);
  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { app, url: `http://127.0.0.1:${port}` };
}
