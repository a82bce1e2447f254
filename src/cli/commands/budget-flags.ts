import { type Command, Option } from "commander";
import { numberFlag } from "./bench-flags.ts";

/**
 * `--budget` meant US dollars in `bench` and tokens in `chat` and `lorebook`; the two are now named apart
 * (`--budget-usd`, `--budget-tokens`). The old name stays as a hidden alias that warns, so scripts keep working.
 */
export interface BudgetFlags {
  budgetUsd?: number;
  budgetTokens?: string;
  budget?: number | string;
}

/** Add `--budget-usd <usd>` (and the deprecated hidden `--budget <usd>`) to a bench command. */
export function addUsdBudget(command: Command, description: string): Command {
  const parse = numberFlag(0, Number.POSITIVE_INFINITY, true);
  return command
    .option("--budget-usd <usd>", description, parse)
    .addOption(new Option("--budget <usd>", "deprecated: use --budget-usd").argParser(parse).hideHelp());
}

/** The dollar budget a bench command was given, warning when it came through the deprecated `--budget`. */
export function usdBudget(flags: BudgetFlags, warn: (text: string) => void = stderrWarning): number | undefined {
  if (flags.budget === undefined) return flags.budgetUsd;
  warn("--budget is deprecated for bench commands; use --budget-usd (US dollars).");
  return flags.budgetUsd ?? (flags.budget as number);
}

/** Add `--budget-tokens <n>` (and the deprecated hidden `--budget <n>`) to a command that budgets tokens. */
export function addTokenBudget(command: Command, description: string, defaultValue?: string): Command {
  return command
    .option("--budget-tokens <n>", description, defaultValue)
    .addOption(new Option("--budget <n>", "deprecated: use --budget-tokens").hideHelp());
}

/** The token budget a command was given (as typed), warning when it came through the deprecated `--budget`. */
export function tokenBudget(flags: BudgetFlags, warn: (text: string) => void = stderrWarning): string | undefined {
  if (flags.budget === undefined) return flags.budgetTokens;
  warn("--budget is deprecated here; use --budget-tokens (a number of tokens).");
  return String(flags.budget);
}

/** Per-role dollar limits of a run, beside its total. */
export interface RoleBudgetFlags {
  budgetPlayerUsd?: number;
  budgetSimulatorUsd?: number;
}

/** Add `--budget-player-usd` and `--budget-simulator-usd` to a bench command that generates dialogues. */
export function addRoleUsdBudgets(command: Command): Command {
  const parse = numberFlag(0, Number.POSITIVE_INFINITY, true);
  return command
    .option("--budget-player-usd <usd>", "hard spending limit of the tested model's calls, in US dollars", parse)
    .option("--budget-simulator-usd <usd>", "hard spending limit of the user simulator's calls, in US dollars", parse);
}

/** The per-role limits given, in the run config's shape (undefined when none). */
export function roleUsdBudgets(flags: RoleBudgetFlags): { player?: number; "user-sim"?: number } | undefined {
  if (flags.budgetPlayerUsd === undefined && flags.budgetSimulatorUsd === undefined) return undefined;
  return {
    ...(flags.budgetPlayerUsd === undefined ? {} : { player: flags.budgetPlayerUsd }),
    ...(flags.budgetSimulatorUsd === undefined ? {} : { "user-sim": flags.budgetSimulatorUsd }),
  };
}

function stderrWarning(text: string): void {
  process.stderr.write(`warning: ${text}\n`);
}
