import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, extname } from "node:path";
import type { Command } from "commander";
import {
  activateLore,
  compileLore,
  type LoadedLorebook,
  type LoreActivation,
  type LorebookFormat,
  type LoreMessage,
  type LoreState,
  readLorebookFile,
  writeLorebook,
} from "../../cards/index.ts";
import { ExitCode, UsageError } from "../../core/index.ts";
import type { CommandContext } from "../context.ts";
import { action } from "../run-command.ts";
import { addTokenBudget, tokenBudget } from "./budget-flags.ts";
import { writeOutput } from "./card.ts";

const FORMATS: Record<string, LorebookFormat> = {
  sillytavern: "sillytavern",
  st: "sillytavern",
  worldinfo: "sillytavern",
  lorebook_v3: "lorebook_v3",
  v3: "lorebook_v3",
  character_book: "character_book",
  v2: "character_book",
};

function bookName(loaded: LoadedLorebook, file: string): string {
  return loaded.book.name || basename(file, extname(file));
}

async function convert(
  ctx: CommandContext,
  file: string,
  options: { to: string; out: string; force?: boolean },
): Promise<number> {
  const format = FORMATS[options.to.toLowerCase()];
  if (!format) {
    throw new UsageError(
      "cli.invalid_option",
      `--to must be one of ${Object.keys(FORMATS).join(", ")}; got "${options.to}"`,
      {
        hint: "Example: --to sillytavern",
      },
    );
  }
  const loaded = await readLorebookFile(file);
  const text = writeLorebook(loaded, format);
  await writeOutput(options.out, text, { input: file, force: options.force === true });
  const summary = {
    from: { file, format: loaded.source.format },
    to: { file: options.out, format },
    entries: loaded.book.entries.length,
    warnings: loaded.warnings,
  };
  if (ctx.json) ctx.printJson(summary);
  else {
    ctx.print(
      `wrote ${options.out} (${format}, ${loaded.book.entries.length} entries) from ${file} (${loaded.source.format})`,
    );
    for (const w of loaded.warnings) ctx.print(`warning: ${w}`);
  }
  return ExitCode.ok;
}

interface TestOptions {
  text: string[];
  scanDepth?: string;
  budget?: string;
  budgetTokens?: string;
  recursive?: boolean;
  seed: string;
  char?: string;
  user?: string;
  chatLength?: string;
  state?: string;
  caseSensitive?: boolean;
  wholeWords?: boolean;
  all?: boolean;
}

function intOption(value: string | undefined, flag: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new UsageError("cli.invalid_option", `${flag} must be an integer ≥ ${min}; got "${value}"`, {
      hint: `Example: ${flag} 4`,
    });
  }
  return n;
}

async function readState(path: string | undefined): Promise<LoreState | undefined> {
  if (!path || !existsSync(path)) return undefined;
  try {
    const state = JSON.parse(await readFile(path, "utf8")) as LoreState;
    return { sticky: state.sticky ?? {}, cooldown: state.cooldown ?? {}, matched: state.matched ?? {} };
  } catch (cause) {
    throw new UsageError("cli.bad_state", `${path} is not a lore state file`, {
      hint: "Delete it to start from an empty state; troupe writes it back after each test.",
      cause,
    });
  }
}

function render(ctx: CommandContext, result: LoreActivation, total: number): void {
  const budget = Number.isFinite(result.budget.limit) ? `budget ${result.budget.limit}` : "no budget";
  ctx.print(
    `activated ${result.activated.length} of ${total} entries (${result.loops} loop${result.loops === 1 ? "" : "s"}, ${result.budget.used} tokens, ${budget}${result.budget.overflowed ? ", budget reached" : ""})`,
  );
  for (const a of result.activated) {
    const where = a.position === "at_depth" ? `at depth ${a.depth} as ${a.role}` : a.position;
    const decision = result.decisions.find(
      (d) => d.uid === a.uid && (d.code === "activated" || d.code === "empty_content"),
    );
    ctx.print(`  + ${a.title} [${a.uid}] ${where}, order ${a.order}, ${a.tokens} tokens, loop ${a.loop}`);
    if (decision) ctx.print(`      ${decision.detail}`);
    for (const m of a.matches.slice(1)) {
      const place = m.source === "message" ? `message ${m.depth} from the end` : m.source;
      ctx.print(`      ${m.role} key "${m.key}" matched "${m.text}" in ${place}`);
    }
  }
  const others = result.decisions.filter((d) => d.outcome !== "activated");
  if (others.length) ctx.print("not activated:");
  for (const d of others) ctx.print(`  - ${d.title} [${d.uid}] loop ${d.loop}: ${d.outcome} (${d.code}) ${d.detail}`);
  const p = result.prompt;
  if (p.before) ctx.print(`--- before character definitions ---\n${p.before}`);
  if (p.after) ctx.print(`--- after character definitions ---\n${p.after}`);
  for (const g of p.atDepth) ctx.print(`--- at depth ${g.depth} (${g.role}) ---\n${g.entries.join("\n")}`);
}

async function test(ctx: CommandContext, file: string, options: TestOptions): Promise<number> {
  if (options.text.length === 0) {
    throw new UsageError("cli.missing_option", "give at least one --text (a chat message to scan)", {
      hint: 'Example: troupe lorebook test Eldoria.json --text "Tell me about the forest"',
    });
  }
  const loaded = await readLorebookFile(file);
  const scanDepth = intOption(options.scanDepth, "--scan-depth", 0);
  const budget = intOption(tokenBudget(options), "--budget-tokens", 1);
  const chatLength = intOption(options.chatLength, "--chat-length", 0);
  const macros = { ...(options.char ? { char: options.char } : {}), ...(options.user ? { user: options.user } : {}) };
  const lore = compileLore([{ book: loaded.book, name: bookName(loaded, file) }], {
    macros,
    // --all explains every entry, so every entry must be looked at: the per-key scan does exactly that.
    ...(options.all ? { matcher: "naive" as const } : {}),
    ...(options.caseSensitive ? { caseSensitive: true } : {}),
    ...(options.wholeWords ? { matchWholeWords: true } : {}),
  });
  const state = await readState(options.state);
  const messages: LoreMessage[] = options.text;
  const result = activateLore(lore, {
    messages,
    seed: options.seed,
    macros,
    ...(scanDepth === undefined ? {} : { scanDepth }),
    ...(budget === undefined ? {} : { tokenBudget: budget }),
    ...(options.recursive ? { recursive: true } : {}),
    ...(chatLength === undefined ? {} : { chatLength }),
    ...(state ? { state } : {}),
    ...(options.all ? { traceAll: true } : {}),
  });
  if (options.state)
    await writeOutput(options.state, `${JSON.stringify(result.state, null, 2)}\n`, { input: file, force: true });
  if (lore.problems.length && !ctx.json) for (const p of lore.problems) ctx.print(`warning: ${p}`);
  if (ctx.json)
    ctx.printJson({
      file,
      format: loaded.source.format,
      problems: lore.problems,
      ...result,
      budget: { ...result.budget, limit: Number.isFinite(result.budget.limit) ? result.budget.limit : null },
    });
  else render(ctx, result, loaded.book.entries.length);
  return ExitCode.ok;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** `troupe lorebook convert|test`: lorebooks in and out, and what activates for a piece of chat and why. */
export function registerLorebook(program: Command): void {
  const lorebook = program
    .command("lorebook")
    .description("lorebooks (SillyTavern World Info, lorebook_v3, V2 character_book): convert, test activation");
  lorebook
    .command("convert <file>")
    .description("convert a lorebook between formats, losing nothing")
    .requiredOption("--to <format>", "sillytavern (st) | lorebook_v3 (v3) | character_book (v2)")
    .requiredOption("--out <file>", "output file (written atomically; never the input)")
    .option("--force", "overwrite --out if it exists")
    .addHelpText(
      "after",
      `
The input may be any of the three formats, or a card (.png/.json/.charx) with an embedded book. Fields one
format has no place for travel under extensions.sillytavern_extra (V2/V3) or v3_extra (World Info) and come
back on the way back; SillyTavern's own fields use the names SillyTavern itself writes into cards.

Examples:
  troupe lorebook convert Eldoria.json --to v3 --out eldoria.lorebook_v3.json
  troupe lorebook convert Seraphina.png --to sillytavern --out Eldoria.json
  troupe lorebook convert eldoria.lorebook_v3.json --to v2 --out eldoria.character_book.json`,
    )
    .action(
      action((ctx, file: string, options: { to: string; out: string; force?: boolean }) => convert(ctx, file, options)),
    );
  addTokenBudget(
    lorebook.command("test <file>"),
    "token budget for activated content (default: the book's token_budget, else none)",
  )
    .description("show which entries a piece of chat activates, and why the others do not")
    .option("--text <message>", "a chat message to scan (repeat for several; the last is the newest)", collect, [])
    .option("--scan-depth <n>", "messages scanned (default: the book's scan_depth, else 2)")
    .option("--recursive", "let activated content activate further entries")
    .option("--seed <seed>", "seed for probability and group rolls", "0")
    .option("--char <name>", "character name for {{char}} in keys and content")
    .option("--user <name>", "user name for {{user}}")
    .option("--chat-length <n>", "length of the whole chat, for sticky/cooldown/delay (default: number of --text)")
    .option(
      "--state <file>",
      "read timed-effect state from this file and write the new state back (created if missing)",
    )
    .option("--case-sensitive", "match keys case-sensitively unless an entry says otherwise")
    .option("--whole-words", "match keys as whole words unless an entry says otherwise (defined for zh too)")
    .option("--all", "also list entries whose keys did not match")
    .addHelpText(
      "after",
      `
Activation follows SillyTavern's World Info rules: keys and secondary keys (AND ANY, NOT ALL, NOT ANY, AND ALL),
regex keys (RE2: linear time), constant entries, scan depth, order and position, token budget, recursion,
probability, inclusion groups, sticky/cooldown/delay, and V3 @@decorators.

Examples:
  troupe lorebook test Eldoria.json --text "The beasts attacked me in the forest"
  troupe lorebook test Seraphina.png --text "hi" --text "what is this glade?" --char Seraphina --user Ann
  troupe lorebook test world.json --text "..." --recursive --budget-tokens 400 --state lore-state.json --json`,
    )
    .action(action((ctx, file: string, options: TestOptions) => test(ctx, file, options)));
}
