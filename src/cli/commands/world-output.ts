import type { Command } from "commander";
import type { LorebookFormat } from "../../cards/index.ts";
import { UsageError } from "../../core/index.ts";
import { resolveModel } from "../../llm/index.ts";
import { exportWorldLorebook, parseDuration, simulateOffscreen } from "../../world/index.ts";
import { Progress } from "../progress.ts";
import { action } from "../run-command.ts";
import { writeOutput } from "./card.ts";
import { openWorld } from "./world-open.ts";

const FORMATS: LorebookFormat[] = ["sillytavern", "lorebook_v3", "character_book"];

/** `world export|simulate`. */
export function registerWorldOutput(world: Command): void {
  world
    .command("export")
    .description("export the world's current state as a lorebook (SillyTavern World Info by default)")
    .argument("<world>", "world id, id prefix or name")
    .option("--format <format>", `one of ${FORMATS.join(", ")}`, "sillytavern")
    .option("--out <file>", "write to a file instead of stdout (never over an existing file without --force)")
    .option("--force", "overwrite --out if it exists")
    .option("--branch <name>", "export another branch")
    .addHelpText(
      "after",
      `
Each entity becomes an entry keyed by its name holding its current facts; open hooks become entries keyed by
who they involve; summaries and the story time become constant entries. Import the file in SillyTavern under
World Info.

Examples:
  troupe world export Seraphina --out seraphina-world.json
  troupe world export Seraphina --format lorebook_v3`,
    )
    .action(
      action(async (ctx, ref: string, options: { format: string; out?: string; branch?: string; force?: boolean }) => {
        if (!FORMATS.includes(options.format as LorebookFormat))
          throw new UsageError("world.bad_format", `Unknown lorebook format "${options.format}".`, {
            hint: `Use one of ${FORMATS.join(", ")}.`,
          });
        const w = await openWorld(ctx, ref, options.branch);
        const text = exportWorldLorebook(w.projection, w.setup, options.format as LorebookFormat);
        if (options.out) {
          await writeOutput(options.out, `${text}\n`, { force: options.force === true });
          process.stderr.write(`wrote ${options.out}\n`);
        } else ctx.print(text);
        return undefined;
      }),
    );

  world
    .command("simulate")
    .description(
      "let off-screen characters act while story time passes, on a proposal branch (accept or discard it after)",
    )
    .argument("<world>", "world id, id prefix or name")
    .requiredOption("--away <duration>", 'story time that passes, e.g. "3h" or "2d"')
    .requiredOption("--model <spec>", "model that decides the characters' actions")
    .option("--steps <n>", "at most this many actions", "6")
    .option("--actors <names...>", "who may act (default: every living cast member)")
    .addHelpText(
      "after",
      `
The result goes on a new branch proposal/away-N with a digest; nothing changes on your branch until you accept.

Examples:
  troupe world simulate Seraphina --away 8h --model openai:gpt-4.1-mini
  troupe world branches Seraphina --accept proposal/away-1
  troupe world edit Seraphina strike <event-id> --branch proposal/away-1`,
    )
    .action(
      action(async (ctx, ref: string, options: { away: string; model: string; steps: string; actors?: string[] }) => {
        const steps = Number(options.steps);
        if (!Number.isInteger(steps) || steps < 1 || steps > 50)
          throw new UsageError("world.bad_flag", "--steps must be a whole number from 1 to 50.");
        const w = await openWorld(ctx, ref);
        const store = await ctx.store();
        const model = await resolveModel(options.model, { config: ctx.config, store, logger: ctx.logger });
        const progress = new Progress({ label: "simulating", unit: "steps" });
        progress.update({ done: 0, total: steps });
        const digest = await simulateOffscreen(w, {
          elapsedMinutes: parseDuration(options.away),
          model,
          maxSteps: steps,
          ...(options.actors ? { actors: options.actors } : {}),
        });
        progress.update({ done: steps, total: steps });
        progress.done(`${digest.steps.filter((s) => s.node).length} committed`);
        if (ctx.json) ctx.printJson(digest);
        else ctx.print(digest.text);
        return undefined;
      }),
    );
}
