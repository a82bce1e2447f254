import { join } from "node:path";
import { type Logger, silentLogger, type TroupeConfig } from "../core/index.ts";
import type { Store } from "../store/index.ts";
import { openCassette } from "./cassette.ts";
import { type ChatModel, type ChatModelMiddleware, wrapModel } from "./chat-model.ts";
import { endpointState } from "./endpoint-state.ts";
import type { HttpTransport } from "./http-transport.ts";
import { withCache } from "./middleware/with-cache.ts";
import { type CassetteMode, withCassette } from "./middleware/with-cassette.ts";
import { withConcurrency } from "./middleware/with-concurrency.ts";
import { withDefaults } from "./middleware/with-defaults.ts";
import { type RetryOptions, withRetry } from "./middleware/with-retry.ts";
import { withUsage } from "./middleware/with-usage.ts";
import { type ModelSpec, parseModelSpec, type RequestDefaults } from "./model-spec.ts";
import { createPriceTable } from "./price-table.ts";
import { ResponseCache } from "./response-cache.ts";
import type { UsageMeter } from "./usage-meter.ts";

/** Download progress of `local:default`'s first use. */
export interface DownloadProgressInfo {
  downloadedBytes: number;
  totalBytes?: number;
}

export interface ResolveModelOptions {
  config: TroupeConfig;
  /** Enables the response cache (with `cache` not false and `cache.enabled` in the config). */
  store?: Store;
  /** Where usage and cost accumulate (the bench progress display reads it). */
  meter?: UsageMeter;
  /** Record to or replay from a JSONL cassette. */
  cassette?: { path: string; mode: CassetteMode };
  /** Use the response cache (default: the config's `cache.enabled`; needs `store`). */
  cache?: boolean;
  logger?: Logger;
  onDownloadProgress?: (progress: DownloadProgressInfo) => void;
  /** Sampling defaults under the endpoint's own (a request's values win over both). */
  defaults?: RequestDefaults;
  /** Directory relative `local:` paths are resolved against (default: the working directory). */
  cwd?: string;
  /** Test seams of the retry layer (clock-free sleep, fixed jitter, observation). */
  retry?: Pick<RetryOptions, "random" | "sleep" | "onRetry">;
  /** The HTTP transport of remote providers (default: the process-wide one; tests give their own). */
  transport?: HttpTransport;
}

async function createProvider(spec: ModelSpec, options: ResolveModelOptions): Promise<ChatModel> {
  const timeout = spec.endpoint.timeoutMs === undefined ? {} : { timeoutMs: spec.endpoint.timeoutMs };
  const transportOption = options.transport ? { transport: options.transport } : {};
  switch (spec.kind) {
    // Remote providers, like local ones below, are imported when a model is asked for: the openai client and
    // undici are large, and commands that never call a model (listing runs, reading cards) should not parse them.
    case "openai": {
      const { createOpenAICompatibleModel } = await import("./providers/openai-compatible.ts");
      return createOpenAICompatibleModel({
        id: spec.id,
        provider: spec.provider,
        baseUrl: spec.baseUrl,
        model: spec.model,
        apiKey: spec.apiKey,
        ...timeout,
        ...transportOption,
      });
    }
    case "minimax": {
      const { createMiniMaxModel } = await import("./providers/minimax.ts");
      return createMiniMaxModel({
        id: spec.id,
        baseUrl: spec.baseUrl,
        model: spec.model,
        apiKey: spec.apiKey,
        ...timeout,
        ...transportOption,
      });
    }
    case "local": {
      // node-llama-cpp is heavy and native: load it only when a local model is actually asked for.
      let modelPath = spec.path;
      if (spec.path === "default") {
        const defaults = await import("./providers/local-default.ts");
        const cacheDir =
          (defaults as { defaultLocalModelCacheDir?: (env: NodeJS.ProcessEnv) => string }).defaultLocalModelCacheDir?.(
            options.config.env,
          ) ?? join(options.config.home, "models");
        modelPath = await defaults.ensureDefaultLocalModel({
          cacheDir,
          ...(options.onDownloadProgress ? { onProgress: options.onDownloadProgress } : {}),
        });
      }
      const local = await import("./providers/local-model.ts");
      return local.createLocalModel({
        modelPath,
        ...(spec.path === "default" ? { id: "local:default" } : {}),
        ...(spec.endpoint.contextSize === undefined ? {} : { contextSize: spec.endpoint.contextSize }),
        ...(options.logger ? { logger: options.logger } : {}),
      });
    }
  }
}

/**
 * Turn a model spec into a ready ChatModel: parse the spec (named endpoints, keys), build the provider, and wrap it
 * in the middleware stack. Every caller (bench, judge, world, CLI) gets its models here.
 *
 * The stack, outermost first:
 *   1. defaults     fill the endpoint's sampling parameters, so the keys below see what is really sent
 *   2. usage        price the answer (`costUsd`) and add it to the meter by role and model; counts failures
 *   3. cassette     replay from / record to a JSONL cassette (when given)
 *   4. cache        the content-addressed response cache in the store (when a store is given and caching is on)
 *   5. retry        full-jitter back-off honouring Retry-After, per-call limit, per-endpoint budget
 *   6. concurrency  the endpoint's adaptive limit (AIMD); inside retry so back-off waits hold no slot
 *   7. provider     OpenAI-compatible, MiniMax native, or local GGUF
 */
export async function resolveModel(spec: string, options: ResolveModelOptions): Promise<ChatModel> {
  const { config } = options;
  const logger = options.logger ?? silentLogger;
  const parsed = parseModelSpec(spec, config, options.cwd);
  const provider = await createProvider(parsed, options);
  const layers: ChatModelMiddleware[] = [];
  if (parsed.kind !== "local") {
    // Local models queue their own calls; a remote endpoint's capacity is shared by all its models.
    const state = endpointState(parsed.baseUrl, config, parsed.endpoint.maxConcurrency);
    layers.push(withConcurrency(state.limiter));
    layers.push(
      withRetry({
        maxRetries: config.retry.maxRetries,
        baseDelayMs: config.retry.baseDelayMs,
        maxDelayMs: config.retry.maxDelayMs,
        budget: state.budget,
        logger,
        ...options.retry,
      }),
    );
  }
  if (options.store && (options.cache ?? config.cacheEnabled)) layers.push(withCache(new ResponseCache(options.store)));
  if (options.cassette) layers.push(withCassette(await openCassette(options.cassette.path), options.cassette.mode));
  layers.push(
    withUsage({
      prices: createPriceTable(config.prices),
      ...(parsed.endpoint.price ? { price: parsed.endpoint.price } : {}),
      ...(options.meter ? { meter: options.meter } : {}),
    }),
  );
  layers.push(withDefaults({ ...options.defaults, ...parsed.endpoint.defaults }));
  logger.debug({ model: parsed.id, provider: parsed.provider, endpoint: parsed.endpoint.name }, "resolved model");
  return wrapModel(provider, ...layers);
}
