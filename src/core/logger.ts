import { type Logger, pino } from "pino";

export type { Logger } from "pino";

/**
 * Structured logs go to stderr as JSON lines so stdout stays clean for command output and `--json`.
 * Secrets are removed by path as a second line of defence; the first is never logging them at all.
 */
export function createLogger(level: string = "warn", destination: NodeJS.WritableStream = process.stderr): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: {
        paths: ["apiKey", "*.apiKey", "headers.authorization", "*.headers.authorization", "authorization"],
        censor: "***",
      },
    },
    destination as pino.DestinationStream,
  );
}

/** A logger that drops everything: the default for library calls that were given none. */
export const silentLogger: Logger = pino({ level: "silent" });
