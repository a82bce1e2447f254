import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import type * as z from "zod";
import {
  ConfigSchema,
  type EndpointConfig,
  type Price,
  type ServeConfig,
  type TroupeConfigFile,
} from "./config-schema.ts";
import { ConfigError } from "./troupe-error.ts";
import { troupeHome } from "./troupe-home.ts";

/** Where a configuration value came from, for `troupe config show`. */
export type ConfigSource = "default" | "file" | "env" | "flag";

/** The resolved configuration every command works from. */
export interface TroupeConfig {
  home: string;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  logLevel: "trace" | "debug" | "info" | "warn" | "error" | "silent";
  models: Record<string, EndpointConfig>;
  prices: Record<string, Price>;
  retry: { maxRetries: number; baseDelayMs: number; maxDelayMs: number; budget: number };
  concurrency: { initial: number; max: number };
  cacheEnabled: boolean;
  /** `troupe serve` settings as written (defaults are applied by the server). */
  serve: ServeConfig;
  /** The config file that was read, if any. */
  file: string | undefined;
  /** Where each top-level value came from. */
  sources: Record<string, ConfigSource>;
  /** Problems that did not stop loading, such as unknown keys. */
  warnings: string[];
  /** The environment the config was resolved against (provider keys are read from it lazily). */
  env: NodeJS.ProcessEnv;
}

/** Values a command-line flag may override. */
export interface ConfigFlags {
  home?: string;
  database?: string;
  redis?: string;
  verbose?: boolean;
}

export const DEFAULT_CONFIG_FILE = "troupe.config.yaml";

/**
 * The YAML parser, required on first use: loading the configuration is synchronous, most commands run without a
 * config file, and the parser is a large share of what a quick command like `troupe bench ls` would parse.
 */
function yaml(): typeof import("yaml") {
  return createRequire(import.meta.url)("yaml") as typeof import("yaml");
}

/** Parse and validate YAML text; unknown keys become warnings, every other problem a ConfigError naming the key. */
export function parseConfigText(text: string, file: string): { config: TroupeConfigFile; warnings: string[] } {
  let raw: unknown;
  const { parse: parseYaml, YAMLParseError } = yaml();
  try {
    raw = parseYaml(text);
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos ? ` at line ${error.linePos[0].line}` : "";
    throw new ConfigError("config.invalid_yaml", `${file} is not valid YAML${where}: ${(error as Error).message}`, {
      hint: "Fix the YAML syntax (indentation, colons, quotes) or remove the file to use defaults.",
      cause: error,
    });
  }
  if (raw === null || raw === undefined) return { config: {}, warnings: [] };
  if (typeof raw !== "object" || Array.isArray(raw)) {
    throw new ConfigError("config.not_mapping", `${file} must contain a mapping of keys (home:, models:, …).`, {
      hint: "See `troupe config show --help` for the accepted keys.",
    });
  }
  const warnings: string[] = [];
  // Unknown keys are warned about, not fatal: a config written for a newer troupe should still load.
  for (let attempt = 0; attempt < 50; attempt++) {
    const result = ConfigSchema.safeParse(raw);
    if (result.success) return { config: result.data, warnings };
    const unknown = result.error.issues.filter((i) => i.code === "unrecognized_keys");
    const other = result.error.issues.filter((i) => i.code !== "unrecognized_keys");
    if (other.length > 0) {
      const first = other[0] as z.core.$ZodIssue;
      const key = first.path.join(".") || "(top level)";
      throw new ConfigError("config.invalid_value", `${file}: ${key}: ${first.message}`, {
        hint: "Correct the value, or run `troupe config show` to see what troupe understands.",
        details: { issues: other.map((i) => ({ path: i.path.join("."), message: i.message })) },
      });
    }
    for (const issue of unknown) {
      const parent = issue.path.reduce<Record<string, unknown>>(
        (node, key) => node[key as string] as Record<string, unknown>,
        raw as Record<string, unknown>,
      );
      for (const key of (issue as { keys: string[] }).keys) {
        warnings.push(`${file}: unknown key "${[...issue.path, key].join(".")}" ignored`);
        delete parent[key];
      }
    }
  }
  throw new ConfigError("config.invalid_value", `${file} could not be validated.`);
}

/**
 * Resolve the configuration with precedence flags > environment > config file > defaults.
 * `configPath` set explicitly must exist; the default `troupe.config.yaml` is optional.
 */
export function loadConfig(
  options: { configPath?: string; flags?: ConfigFlags; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): TroupeConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const flags = options.flags ?? {};
  const explicit = options.configPath ?? env["TROUPE_CONFIG"];
  const path = resolve(cwd, explicit ?? DEFAULT_CONFIG_FILE);
  let file: TroupeConfigFile = {};
  let warnings: string[] = [];
  let fileUsed: string | undefined;
  if (existsSync(path)) {
    ({ config: file, warnings } = parseConfigText(readFileSync(path, "utf8"), path));
    fileUsed = path;
  } else if (explicit !== undefined) {
    throw new ConfigError("config.not_found", `Config file ${path} does not exist.`, {
      hint: "Check the --config path, or omit it to use ./troupe.config.yaml when present.",
    });
  }
  const sources: Record<string, ConfigSource> = {};
  const pick = <T>(
    name: string,
    flag: T | undefined,
    envValue: T | undefined,
    fileValue: T | undefined,
  ): T | undefined => {
    const [source, value]: [ConfigSource, T | undefined] =
      flag !== undefined
        ? ["flag", flag]
        : envValue !== undefined && envValue !== ""
          ? ["env", envValue]
          : fileValue !== undefined
            ? ["file", fileValue]
            : ["default", undefined];
    sources[name] = source;
    return value;
  };
  const homeSetting = pick("home", flags.home, env["TROUPE_HOME"], file.home);
  const home = homeSetting === undefined ? troupeHome({}, cwd) : resolve(cwd, homeSetting);
  const envLevel = env["TROUPE_LOG_LEVEL"] as TroupeConfig["logLevel"] | undefined;
  const logLevel = pick("logLevel", flags.verbose ? "debug" : undefined, envLevel, file.log?.level) ?? "warn";
  return {
    home,
    databaseUrl: pick("databaseUrl", flags.database, env["DATABASE_URL"], file.database),
    redisUrl: pick("redisUrl", flags.redis, env["REDIS_URL"], file.redis),
    logLevel,
    models: file.models ?? {},
    prices: file.prices ?? {},
    retry: {
      maxRetries: file.retry?.maxRetries ?? 6,
      baseDelayMs: file.retry?.baseDelayMs ?? 500,
      maxDelayMs: file.retry?.maxDelayMs ?? 30_000,
      budget: file.retry?.budget ?? 1_000,
    },
    concurrency: { initial: file.concurrency?.initial ?? 4, max: file.concurrency?.max ?? 64 },
    cacheEnabled: file.cache?.enabled ?? true,
    serve: file.serve ?? {},
    file: fileUsed,
    sources,
    warnings,
    env,
  };
}
