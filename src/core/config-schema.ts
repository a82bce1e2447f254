import * as z from "zod";

/** Price of a model in US dollars per million tokens. */
export const PriceSchema = z.strictObject({
  input: z.number().nonnegative().describe("USD per 1M prompt tokens"),
  output: z.number().nonnegative().describe("USD per 1M completion tokens"),
});
export type Price = z.infer<typeof PriceSchema>;

/**
 * A named endpoint: a model reachable under a short name (`--model judge`), so long base URLs, key variables and
 * sampling defaults live in one place instead of on every command line.
 */
export const EndpointSchema = z.strictObject({
  spec: z.string().optional().describe("a model spec this name stands for, e.g. openai:gpt-4.1-mini"),
  baseUrl: z.string().url().optional().describe("OpenAI-compatible base URL, e.g. http://localhost:8000/v1"),
  model: z.string().optional().describe("model name sent to the endpoint"),
  apiKeyEnv: z.string().optional().describe("name of the environment variable holding the key"),
  apiKey: z.string().optional().describe("the key itself (prefer apiKeyEnv; never logged)"),
  temperature: z.number().min(0).max(2).optional(),
  topP: z.number().gt(0).max(1).optional(),
  maxTokens: z.number().int().positive().optional(),
  maxConcurrency: z.number().int().positive().optional(),
  timeoutMs: z.number().int().positive().optional(),
  price: PriceSchema.optional(),
  contextSize: z
    .number()
    .int()
    .positive()
    .optional()
    .describe("tokens the model holds; a local model is loaded with it, dry runs check prompts against it"),
});
export type EndpointConfig = z.infer<typeof EndpointSchema>;

/** One serving policy of a served model name (see src/server/policy-split.ts). */
export const ServePolicySchema = z.strictObject({
  id: z.string().optional().describe("stable id logged with each candidate (default <name>/<index>)"),
  model: z.string().describe("model spec or configured model name that answers"),
  weight: z.number().nonnegative().optional().describe("relative share of users (default 1)"),
  version: z.string().optional().describe("version label of the deployed model, logged with each candidate"),
  promptVersion: z.string().optional().describe("prompt template version, logged with each candidate"),
  temperature: z.number().min(0).max(2).optional(),
  topP: z.number().gt(0).max(1).optional(),
  maxTokens: z.number().int().positive().optional(),
});
export type ServePolicyConfig = z.infer<typeof ServePolicySchema>;

/** `troupe serve` settings. */
export const ServeSchema = z.strictObject({
  host: z.string().optional().describe("address to listen on (default 127.0.0.1)"),
  port: z.number().int().min(0).max(65535).optional().describe("port (default 8787)"),
  models: z
    .record(z.string(), z.strictObject({ policies: z.array(ServePolicySchema).min(1) }))
    .optional()
    .describe("served model names, each split over policies by a stable hash of the user"),
  defaultModel: z.string().optional().describe("the served model for chats and characters that name none"),
  randomizeSwipeShare: z
    .number()
    .min(0)
    .max(1)
    .optional()
    .describe("share of multi-candidate requests whose display order is randomized (position-bias data)"),
  rateLimitPerMinute: z.number().int().positive().optional().describe("requests per minute per API key or session"),
  trustProxy: z.boolean().optional().describe("trust X-Forwarded-* from a reverse proxy"),
});
export type ServeConfig = z.infer<typeof ServeSchema>;

/** The whole of troupe.config.yaml. Every key is optional; defaults live in `defaultConfig`. */
export const ConfigSchema = z.strictObject({
  home: z.string().optional().describe("state folder (TROUPE_HOME); default ./.troupe"),
  database: z.string().optional().describe("DATABASE_URL: postgres://… for PostgreSQL; default SQLite in home"),
  redis: z.string().optional().describe("REDIS_URL for distributed bench runs"),
  log: z.strictObject({ level: z.enum(["trace", "debug", "info", "warn", "error", "silent"]).optional() }).optional(),
  models: z.record(z.string(), EndpointSchema).optional().describe("named endpoints"),
  prices: z.record(z.string(), PriceSchema).optional().describe("price table keyed by model id (provider:model)"),
  retry: z
    .strictObject({
      maxRetries: z.number().int().min(0).optional(),
      baseDelayMs: z.number().int().positive().optional(),
      maxDelayMs: z.number().int().positive().optional(),
      budget: z.number().int().min(0).optional().describe("total retries allowed per process and endpoint"),
    })
    .optional(),
  concurrency: z
    .strictObject({
      initial: z.number().int().positive().optional(),
      max: z.number().int().positive().optional(),
    })
    .optional(),
  cache: z.strictObject({ enabled: z.boolean().optional() }).optional(),
  serve: ServeSchema.optional(),
});
export type TroupeConfigFile = z.infer<typeof ConfigSchema>;
