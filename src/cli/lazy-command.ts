import type { Command } from "commander";

/** A command whose code is imported only when the command line asks for it. */
export interface LazyCommand {
  /** The word the user types (`bench`, `ls`). */
  name: string;
  /** Arguments shown after the name in help listings (`<run>`). */
  usage?: string;
  /** The line help listings show; a test keeps it equal to the registered command's own description. */
  summary: string;
  /**
   * Import the command's module and return its register function. A group's register function receives the
   * rest of the requested path, so it can load only the subcommand asked for.
   */
  load: () => Promise<(parent: Command, rest: RequestedPath) => void | Promise<void>>;
}

/** The command words a command line asks for (`["bench", "ls"]`), or "all" to load everything. */
export type RequestedPath = readonly string[] | "all";

/**
 * Register `table` under `parent`: the requested command for real (every command when `path` is "all"), the rest
 * as one-line stubs that only feed help listings and "unknown command" suggestions.
 */
export async function registerLazy(parent: Command, table: readonly LazyCommand[], path: RequestedPath): Promise<void> {
  for (const entry of table) {
    if (path === "all" || path[0] === entry.name) {
      await (await entry.load())(parent, path === "all" ? "all" : path.slice(1));
      continue;
    }
    const stub = parent.command(entry.name).description(entry.summary).helpOption(false);
    if (entry.usage) stub.arguments(entry.usage);
    stub.allowUnknownOption().allowExcessArguments();
    // Reached only if the command line was read wrongly; never let that pass as a silent success.
    stub.action(() => {
      throw new Error(`troupe did not load the "${entry.name}" command it was asked to run`);
    });
  }
}
