import type { Command } from "commander";
import { ExitCode, isTroupeError } from "../core/index.ts";
import { type CommandContext, createContext, type GlobalOptions } from "./context.ts";

/** Render an error for a person: what went wrong, then what to do. Stack traces only with --verbose. */
export function formatError(error: unknown, verbose: boolean): string {
  if (isTroupeError(error)) {
    const lines = [`error: ${error.message}`];
    if (error.hint) lines.push(`  hint: ${error.hint}`);
    if (verbose && error.cause) lines.push(`  cause: ${String((error.cause as Error).stack ?? error.cause)}`);
    return lines.join("\n");
  }
  const message = error instanceof Error ? error.message : String(error);
  const lines = [`error: unexpected failure: ${message}`];
  lines.push(
    verbose && error instanceof Error && error.stack
      ? error.stack
      : "  hint: this is probably a bug in troupe; rerun with --verbose and report the output.",
  );
  return lines.join("\n");
}

/** The exit code an error ends the process with. */
export function exitCodeFor(error: unknown): number {
  return isTroupeError(error) ? error.exitCode : ExitCode.failure;
}

/**
 * Wrap a command action: build the context from the root's global options, run, and turn any error into a
 * readable message (or a JSON error object with --json) and a documented exit code.
 */
export function action<A extends unknown[]>(
  run: (ctx: CommandContext, ...args: A) => Promise<number | undefined> | number | undefined,
): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const globals = command.optsWithGlobals() as GlobalOptions;
    let ctx: CommandContext | undefined;
    try {
      ctx = createContext(globals);
      const code = await run(ctx, ...(args.slice(0, -1) as A));
      process.exitCode = code ?? ExitCode.ok;
    } catch (error) {
      if (globals.json) {
        const body = isTroupeError(error) ? error.toJSON() : { code: "unexpected", message: String(error) };
        process.stdout.write(`${JSON.stringify({ error: body }, null, 2)}\n`);
      }
      process.stderr.write(`${formatError(error, globals.verbose === true)}\n`);
      process.exitCode = exitCodeFor(error);
    } finally {
      await ctx?.close();
    }
  };
}
