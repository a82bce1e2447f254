import type { Command } from "commander";
import { maskSecret, redactSecrets, type TroupeConfig } from "../../core/index.ts";
import { action } from "../run-command.ts";

/**
 * The API keys troupe would read, masked (enough to tell two keys apart) when set and null when not: the standard
 * variables plus every variable a named endpoint's apiKeyEnv names.
 */
export function apiKeyView(config: TroupeConfig): Record<string, string | null> {
  const names = new Set(["OPENAI_API_KEY", "MINIMAX_API_KEY"]);
  for (const endpoint of Object.values(config.models)) if (endpoint.apiKeyEnv) names.add(endpoint.apiKeyEnv);
  const view: Record<string, string | null> = {};
  for (const name of names) {
    const value = config.env[name];
    view[name] = value ? maskSecret(value) : null;
  }
  return view;
}

/** `troupe config show`: the resolved configuration, where each value came from, secrets masked. */
export function registerConfig(program: Command): void {
  const config = program.command("config").description("inspect troupe's configuration");
  config
    .command("show")
    .description("print the resolved configuration (flags > environment > troupe.config.yaml > defaults)")
    .addHelpText(
      "after",
      `
Precedence: command-line flags override environment variables (TROUPE_HOME, DATABASE_URL, REDIS_URL,
TROUPE_LOG_LEVEL), which override troupe.config.yaml (or --config <file>), which overrides the defaults.
API keys are read from OPENAI_API_KEY, MINIMAX_API_KEY or the variable a named endpoint's apiKeyEnv names;
they are shown masked and never written to logs, reports or the database.

Example troupe.config.yaml:
  home: .troupe
  database: postgres://localhost:5432/troupe   # omit for SQLite in <home>/troupe.db
  models:
    judge:                                      # use as --judge judge
      baseUrl: https://openrouter.ai/api/v1
      model: openai/gpt-4.1-mini
      apiKeyEnv: OPENROUTER_API_KEY
      price: { input: 0.4, output: 1.6 }        # USD per 1M tokens
  retry: { maxRetries: 6, baseDelayMs: 500, maxDelayMs: 30000 }
  concurrency: { initial: 4, max: 64 }

Examples:
  troupe config show
  troupe config show --json
  DATABASE_URL=postgres://127.0.0.1:5432/test troupe config show`,
    )
    .action(
      action((ctx) => {
        const { env: _env, ...rest } = ctx.config;
        const keys = apiKeyView(ctx.config);
        // Masked before redactSecrets sees them: it would mask "(unset)" too, hiding which keys are missing.
        const view = { ...redactSecrets(rest), apiKeys: keys };
        if (ctx.json) {
          ctx.printJson(view);
          return;
        }
        ctx.print(`config file: ${view.file ?? "(none; using defaults)"}`);
        ctx.print(`home:        ${view.home}  [${view.sources["home"]}]`);
        ctx.print(
          `database:    ${view.databaseUrl ?? `SQLite ${view.home}/troupe.db`}  [${view.sources["databaseUrl"]}]`,
        );
        ctx.print(`redis:       ${view.redisUrl ?? "(not set)"}  [${view.sources["redisUrl"]}]`);
        ctx.print(`log level:   ${view.logLevel}  [${view.sources["logLevel"]}]`);
        ctx.print(`retry:       ${JSON.stringify(view.retry)}`);
        ctx.print(`concurrency: ${JSON.stringify(view.concurrency)}`);
        ctx.print(`cache:       ${view.cacheEnabled ? "on" : "off"}`);
        ctx.print(
          `api keys:    ${Object.entries(keys)
            .map(([name, value]) => `${name} ${value ?? "(unset)"}`)
            .join(", ")}`,
        );
        const names = Object.keys(view.models);
        ctx.print(`models:      ${names.length ? "" : "(no named endpoints)"}`);
        for (const name of names) ctx.print(`  ${name}: ${JSON.stringify(view.models[name])}`);
        const prices = Object.keys(view.prices);
        if (prices.length) {
          ctx.print("prices (USD per 1M tokens):");
          for (const id of prices) ctx.print(`  ${id}: in ${view.prices[id]?.input} / out ${view.prices[id]?.output}`);
        }
        for (const warning of view.warnings) ctx.print(`warning: ${warning}`);
        return undefined;
      }),
    );
}
