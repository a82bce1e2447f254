import cookie from "@fastify/cookie";
import rateLimit from "@fastify/rate-limit";
import swagger from "@fastify/swagger";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest, LogController } from "fastify";
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
} from "fastify-type-provider-zod";
import type { Redis } from "ioredis";
import { sql } from "kysely";
import type { Logger } from "../core/index.ts";
import type { Store } from "../store/index.ts";
import { useApiErrors } from "./api/api-errors.ts";
import { authRoutes } from "./api/auth-routes.ts";
import { eventsRoutes } from "./api/events-routes.ts";
import { modelsRoutes } from "./api/models-routes.ts";
import { apiAuthenticator, keyAuthenticator } from "./auth/authenticate.ts";
import type { IdentityStore } from "./auth/identity-store.ts";
import type { Gateway } from "./gateway.ts";
import { HttpError } from "./http-error.ts";
import { minimaxRoutes } from "./minimax/index.ts";
import { openaiRoutes } from "./openai/index.ts";
import { useSecurityHeaders } from "./security-headers.ts";
import { closeOpenStreams, openStreamCount } from "./sse.ts";
import { isAppNavigation, sendAppPage, serveWebApp } from "./web-app.ts";

/** Extra /api route plugins (chats, characters, worlds), registered inside the authenticated /api scope. */
export type ApiPlugin = (app: FastifyInstance) => Promise<void>;

/** Everything the server is built from; nothing here is created by the server itself. */
export interface ServerDeps {
  store: Store;
  identity: IdentityStore;
  gateway: Gateway;
  logger: Logger;
  /** Shared rate-limit counters across server processes (REDIS_URL); in-process counters otherwise. */
  redis?: Redis;
  now?: () => number;
  /** Requests per minute per API key, session or (unauthenticated) address. */
  rateLimitPerMinute?: number;
  trustProxy?: boolean;
  /** Heartbeat interval of SSE streams (ms). */
  pingMs?: number;
  /** How long a shutdown lets open streams finish before cutting them (their partial replies stay incomplete). */
  drainMs?: number;
  /** The built web app to serve at `/` (web/dist), when there is one. */
  webRoot?: string;
  /** Route plugins of the chat and world APIs. */
  apiPlugins?: ApiPlugin[];
  version?: string;
}

/** Rate-limit identity: the key, else the user, else the client address. */
function rateKey(request: FastifyRequest): string {
  const actor = request.actor;
  if (actor?.keyId) return `key:${actor.keyId}`;
  if (actor) return `user:${actor.userId}`;
  return `ip:${request.ip}`;
}

/**
 * Build the Fastify app: root plugins (cookies, rate limits, OpenAPI, security headers), then `/v1` (OpenAI),
 * MiniMax's `chatcompletion_v2`, `/api` (troupe's own API) and `/openapi.json`. Each API scope answers errors in
 * its own shape; 5xx never carry internals.
 */
export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const now = deps.now ?? Date.now;
  const app = Fastify({
    // pino's Logger carries its own generics; Fastify only needs the base logger surface.
    loggerInstance: deps.logger as unknown as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
    // Streams can be long; a request that sends nothing for two minutes is dropped.
    requestTimeout: 120_000,
    return503OnClosing: true,
    forceCloseConnections: "idle",
    trustProxy: deps.trustProxy ?? false,
    // Per-request access lines would dominate the log at serving rates; errors are logged where they happen.
    logController: new LogController({ disableRequestLogging: true }),
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(cookie);
  const perMinute = deps.rateLimitPerMinute ?? 600;
  await app.register(rateLimit, {
    global: false,
    hook: "preHandler",
    keyGenerator: rateKey,
    ...(deps.redis ? { redis: deps.redis, nameSpace: "troupe-rl-" } : {}),
    // A Redis outage must not take serving down with it; limits resume when it is back.
    skipOnError: true,
  });
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "troupe",
        version: deps.version ?? "0",
        description: "troupe's own API (/api) beside the OpenAI- and MiniMax-compatible endpoints.",
      },
      components: {
        securitySchemes: {
          apiKey: { type: "http", scheme: "bearer" },
          session: { type: "apiKey", in: "cookie", name: "troupe_sid" },
        },
      },
      security: [{ apiKey: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  useSecurityHeaders(app);
  // Open streams would hold close() forever: give them the drain period, then cut them as if their clients had left.
  app.addHook("preClose", async () => {
    const deadline = Date.now() + (deps.drainMs ?? 10_000);
    while (openStreamCount(app) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    closeOpenStreams(app);
  });

  const limit = { max: perMinute, timeWindow: 60_000 };
  const authenticateKey = keyAuthenticator(deps.identity);
  await app.register(openaiRoutes, {
    prefix: "/v1",
    gateway: deps.gateway,
    authenticate: authenticateKey,
    rateLimit: limit,
    ...(deps.pingMs === undefined ? {} : { pingMs: deps.pingMs }),
  });
  await app.register(minimaxRoutes, {
    gateway: deps.gateway,
    authenticate: authenticateKey,
    rateLimit: limit,
    ...(deps.pingMs === undefined ? {} : { pingMs: deps.pingMs }),
  });

  const authenticateApi = apiAuthenticator(deps.identity, {
    csrfExempt: (request) => request.routeOptions.config?.csrfExempt === true,
  });
  await app.register(
    async (api) => {
      useApiErrors(api);
      api.addHook("onRequest", async (request) => {
        if (request.routeOptions.config?.public === true) return;
        await authenticateApi(request);
      });
      await api.register(authRoutes, { identity: deps.identity, loginRateLimit: { max: 10, timeWindow: 60_000 } });
      await api.register(eventsRoutes, { store: deps.store, now, rateLimit: limit });
      await api.register(modelsRoutes, { gateway: deps.gateway });
      for (const plugin of deps.apiPlugins ?? []) await api.register(plugin);
    },
    { prefix: "/api" },
  );

  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  app.get("/healthz", { schema: { hide: true } }, async () => ({ ok: true }));
  app.get("/readyz", { schema: { hide: true } }, async (_request, reply) => {
    try {
      await sql`select 1`.execute(deps.store.db);
      if (deps.redis) await deps.redis.ping();
      return { ok: true };
    } catch {
      return reply.code(503).send({ ok: false });
    }
  });
  if (deps.webRoot) await serveWebApp(app, deps.webRoot);
  app.setNotFoundHandler((request, reply) => {
    if (deps.webRoot && isAppNavigation(request)) return sendAppPage(reply);
    const error = new HttpError(404, "not_found", `Nothing at ${request.method} ${request.url.split("?")[0]}.`);
    return reply.code(404).send({ error: { code: error.code, message: error.message } });
  });
  return app;
}

declare module "fastify" {
  interface FastifyContextConfig {
    /** The route needs no signed-in user (sign-in itself). */
    public?: boolean;
    /** A cookie-authenticated write that may come without the CSRF header (sendBeacon); same-origin is still checked. */
    csrfExempt?: boolean;
  }
}
