import { createLogger, type Logger, loadConfig, type TroupeConfig } from "../core/index.ts";
import { openStore, type Store } from "../store/index.ts";

/** Options every command accepts (declared once on the root program). */
export interface GlobalOptions {
  config?: string;
  home?: string;
  database?: string;
  verbose?: boolean;
  json?: boolean;
}

/** What a command's action receives: resolved config, a logger, output helpers and a lazily opened store. */
export interface CommandContext {
  config: TroupeConfig;
  logger: Logger;
  /** True when the user asked for machine-readable output. */
  json: boolean;
  /** Write a line of human output to stdout. */
  print(text: string): void;
  /** Write a JSON document to stdout. */
  printJson(value: unknown): void;
  /** Open (once) the configured database. */
  store(): Promise<Store>;
  /** Release what the context opened. */
  close(): Promise<void>;
}

/** Build the context from global options; config problems surface here as ConfigErrors. */
export function createContext(options: GlobalOptions, out: NodeJS.WritableStream = process.stdout): CommandContext {
  const config = loadConfig({
    ...(options.config === undefined ? {} : { configPath: options.config }),
    flags: {
      ...(options.home === undefined ? {} : { home: options.home }),
      ...(options.database === undefined ? {} : { database: options.database }),
      ...(options.verbose ? { verbose: true } : {}),
    },
  });
  const logger = createLogger(config.logLevel);
  for (const warning of config.warnings) process.stderr.write(`warning: ${warning}\n`);
  let store: Promise<Store> | undefined;
  return {
    config,
    logger,
    json: options.json === true,
    print: (text) => out.write(`${text}\n`),
    printJson: (value) => out.write(`${JSON.stringify(value, null, 2)}\n`),
    store: () => {
      store ??= openStore({ databaseUrl: config.databaseUrl, home: config.home });
      return store;
    },
    close: async () => {
      if (store) await (await store.catch(() => undefined))?.close();
    },
  };
}
