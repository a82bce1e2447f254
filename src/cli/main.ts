import { Command, CommanderError } from "commander";
// Straight from its file, not core/index.ts: the entry must not load the config schema (zod) before it knows
// which command runs; `troupe --version` needs none of it.
import { ExitCode } from "../core/exit-code.ts";
import { registerCommands } from "./commands/index.ts";
import { requestedCommand } from "./requested-command.ts";
import { troupeVersion } from "./version.ts";

const EXIT_CODES = `
Exit codes:
  0    success
  1    unexpected failure (a bug; rerun with --verbose and report it)
  2    bad command line or input file
  3    invalid configuration (troupe.config.yaml, environment)
  4    model provider failure that retrying will not fix (auth, balance, unreachable host, flagged content)
  5    database or queue failure (cannot open, connect or migrate; Redis unreachable)
  6    budget exhausted; the work is saved and can be resumed
  10   a quality gate ran and the candidate failed it
  130  interrupted; the work done so far is saved`;

/**
 * Build the `troupe` program (exported for tests and for `--help` generation). Only the command group that
 * `argv` asks for is loaded; `"all"` loads every group.
 */
export async function buildProgram(argv: readonly string[] | "all" = "all"): Promise<Command> {
  const program = new Command("troupe")
    .description(
      "troupe: measure and improve role-play and AI-companion models.\n" +
        "  bench  MiniMax's Role-play Benchmark: long sessions, LLM judge, intervals\n" +
        "  world  a co-created world with memory, branches and consistency checks\n" +
        "  card   character cards and lorebooks in and out (SillyTavern formats)",
    )
    .version(troupeVersion(), "-V, --version", "print troupe's version")
    .option("-c, --config <file>", "config file (default ./troupe.config.yaml if present; env TROUPE_CONFIG)")
    .option("--home <dir>", "state folder (default ./.troupe; env TROUPE_HOME)")
    .option("--database <url>", "postgres://… or a SQLite path (env DATABASE_URL; default <home>/troupe.db)")
    .option("-v, --verbose", "debug logs (JSON lines on stderr) and stack traces on errors")
    .option("--json", "machine-readable JSON on stdout")
    .showHelpAfterError("(run with --help for usage)")
    .addHelpText("after", EXIT_CODES)
    // Before registering: commander copies this setting into every subcommand created afterwards, so a bad
    // option anywhere ends with our usage exit code instead of commander calling process.exit itself.
    .exitOverride();
  await registerCommands(program, argv === "all" ? "all" : requestedCommand(argv));
  return program;
}

/** Run the CLI and return the exit code (the process is never exited from inside, so tests can call this). */
export async function main(argv: string[]): Promise<number> {
  const program = await buildProgram(argv);
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through here with code 0; real usage errors were already printed by commander.
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    throw error;
  }
  return typeof process.exitCode === "number" ? process.exitCode : ExitCode.ok;
}
