import type { FastifyInstance } from "fastify";
import type { Redis } from "ioredis";
import { ExitCode, type Logger, redactUrl, type TroupeConfig, TroupeError } from "../core/index.ts";
import { type ChatModel, resolveModel } from "../llm/index.ts";
import type { Store } from "../store/index.ts";
import { type ApiPlugin, buildServer } from "./app.ts";
import { IdentityStore } from "./auth/identity-store.ts";
import { type CharacterServing, type GatewayLogEntry, ModelGateway } from "./model-gateway.ts";
import { ModelRegistry } from "./model-registry.ts";
import { findWebRoot } from "./web-app.ts";

/** What `troupe serve` (and tests) start a server from. */
export interface StartServerOptions {
  config: TroupeConfig;
  logger: Logger;
  store: Store;
  host?: string;
  port?: number;
  /** Model specs given on the command line, served under their spec (the first is the default). */
  models?: string[];
  /** How a spec becomes a model (default: resolveModel without the response cache: serving must sample anew). */
  resolve?: (spec: string) => Promise<ChatModel>;
  /** REDIS_URL: shared rate-limit counters across server processes. */
  redisUrl?: string;
  now?: () => number;
  pingMs?: number;
  version?: string;
  /** The built web app to serve at `/` (default: web/dist of the package, when built; null: none). */
  webRoot?: string | null;
  /** Extra pieces the chat domain adds (route plugins, character serving, the candidate log). */
  extend?: (parts: ServerParts) => Promise<ServerExtension>;
}

/** Parts built before the app that extensions may use. */
export interface ServerParts {
  store: Store;
  registry: ModelRegistry;
  identity: IdentityStore;
  logger: Logger;
  now: () => number;
  config: TroupeConfig;
  /** The shared Redis, when REDIS_URL is set (rate limits, replies in flight). */
  redis?: Redis;
}

/** What an extension contributes. */
export interface ServerExtension {
  apiPlugins?: ApiPlugin[];
  characters?: CharacterServing;
  log?: (entry: GatewayLogEntry) => Promise<void>;
  onClose?: () => Promise<void>;
}

/** A listening server. */
export interface RunningServer {
  app: FastifyInstance;
  url: string;
  identity: IdentityStore;
  registry: ModelRegistry;
  close(): Promise<void>;
}

async function connectRedis(url: string): Promise<Redis> {
  const { Redis } = await import("ioredis");
  // Fail fast: a rate-limit lookup must never hold a request for long (the limiter skips Redis errors).
  const redis = new Redis(url, { connectTimeout: 2_000, maxRetriesPerRequest: 1, lazyConnect: true });
  // A connection lost later is retried by ioredis in the background; the error events must not crash the server.
  redis.on("error", () => {});
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new TroupeError(
      "serve.redis_unreachable",
      `Cannot reach Redis at ${redactUrl(url)}: ${(error as Error).message}`,
      {
        hint: "Start Redis or fix --redis / REDIS_URL; a single server process needs no Redis (unset it).",
        exitCode: ExitCode.storage,
        cause: error,
      },
    );
  }
  return redis;
}

/** Build every part, then listen. The caller owns the store and closes it after `close()`. */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const now = options.now ?? Date.now;
  const { config, logger, store } = options;
  const resolve = options.resolve ?? ((spec: string) => resolveModel(spec, { config, store, logger, cache: false }));
  const identity = await IdentityStore.open(store, now);
  const registry = new ModelRegistry(config, resolve, options.models ?? []);
  const redis = options.redisUrl ? await connectRedis(options.redisUrl) : undefined;
  const extension =
    (await options.extend?.({ store, registry, identity, logger, now, config, ...(redis ? { redis } : {}) })) ?? {};
  const gateway = new ModelGateway(registry, {
    logger,
    now,
    ...(extension.characters ? { characters: extension.characters } : {}),
    ...(extension.log ? { log: extension.log } : {}),
  });
  const webRoot = options.webRoot === null ? undefined : (options.webRoot ?? findWebRoot());
  const app = await buildServer({
    store,
    identity,
    gateway,
    logger,
    now,
    ...(redis ? { redis } : {}),
    ...(config.serve.rateLimitPerMinute ? { rateLimitPerMinute: config.serve.rateLimitPerMinute } : {}),
    ...(config.serve.trustProxy ? { trustProxy: true } : {}),
    ...(options.pingMs === undefined ? {} : { pingMs: options.pingMs }),
    ...(options.version ? { version: options.version } : {}),
    ...(extension.apiPlugins ? { apiPlugins: extension.apiPlugins } : {}),
    ...(webRoot ? { webRoot } : {}),
  });
  const address = await app.listen({
    host: options.host ?? config.serve.host ?? "127.0.0.1",
    port: options.port ?? config.serve.port ?? 8787,
  });
  return {
    app,
    url: address,
    identity,
    registry,
    close: async () => {
      await app.close();
      await extension.onClose?.();
      redis?.disconnect();
    },
  };
}
