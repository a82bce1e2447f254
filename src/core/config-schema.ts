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
});
export type TroupeConfigFile = z.infer<typeof ConfigSchema>;
