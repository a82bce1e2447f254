import { ExitCode, type ExitCodeValue } from "./exit-code.ts";

/** Options every troupe error accepts. */
export interface TroupeErrorOptions {
  /** What the user can do about it, in one sentence ("Set OPENAI_API_KEY or pass --api-key."). */
  hint?: string;
  /** Exit code the CLI uses when this error ends a command. */
  exitCode?: ExitCodeValue;
  /** The underlying error, kept for `--verbose` output but never shown as the only explanation. */
  cause?: unknown;
  /** Structured details for logs and `--json` output (never secrets). */
  details?: Record<string, unknown>;
}

/**
 * Base class of every error troupe raises on purpose. The `code` is stable and machine-readable
 * (`config.invalid_yaml`, `llm.auth`); the message says what was wrong and the hint what to do, so the CLI never
 * needs to print a stack trace to be understood.
 */
export class TroupeError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly exitCode: ExitCodeValue;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, options: TroupeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? ExitCode.failure;
    this.details = options.details;
  }

  /** A JSON-safe view for `--json` output and structured logs. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, hint: this.hint, details: this.details };
  }
}

/** Bad user input: a flag, an argument or a file the user gave us. */
export class UsageError extends TroupeError {
  constructor(code: string, message: string, options: TroupeErrorOptions = {}) {
    super(code, message, { exitCode: ExitCode.usage, ...options });
  }
}

/** Invalid configuration file or environment. */
export class ConfigError extends TroupeError {
  constructor(code: string, message: string, options: TroupeErrorOptions = {}) {
    super(code, message, { exitCode: ExitCode.config, ...options });
  }
}

/** True for errors troupe raised on purpose (as opposed to bugs). */
export function isTroupeError(error: unknown): error is TroupeError {
  return error instanceof TroupeError;
}
