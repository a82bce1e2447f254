/**
 * Process exit codes of the `troupe` command. They are part of the public contract: CI scripts branch on them,
 * so a value never changes meaning once released.
 */
export const ExitCode = {
  /** Everything asked for was done. */
  ok: 0,
  /** An unexpected failure (a bug in troupe, or an error nobody classified). */
  failure: 1,
  /** The command line or an input file was invalid: fix the invocation or the file. */
  usage: 2,
  /** The configuration (troupe.config.yaml, environment) was invalid. */
  config: 3,
  /** A model provider failed in a way retrying will not fix: auth, balance, unreachable host, flagged content. */
  model: 4,
  /** The database could not be opened, migrated or written, or the Redis queue could not be reached. */
  storage: 5,
  /** A spending or retry budget was exhausted; the work is saved and can be resumed. */
  budget: 6,
  /** A quality gate ran and the candidate did not pass it (`troupe bench gate`). */
  gateFailed: 10,
  /** Interrupted by the user (Ctrl-C); the work done so far is saved. */
  interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
