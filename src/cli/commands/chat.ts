import { createInterface } from "node:readline";
import type { Command } from "commander";
import { ChatSession, runChatLoop } from "../../chat/index.ts";
import { UsageError } from "../../core/index.ts";
import { resolveModel } from "../../llm/index.ts";
import { type DirectorMode, World } from "../../world/index.ts";
import { action } from "../run-command.ts";
import { addTokenBudget, tokenBudget } from "./budget-flags.ts";

/** `troupe chat <world> --model <spec>`: interactive role-play in the terminal. */
export function registerChat(program: Command): void {
  addTokenBudget(program.command("chat"), "prompt token budget", "3000")
    .description("role-play in a world in the terminal: swipes, rollback, branches, /why")
    .argument("<world>", "world id, id prefix or name (create one with `troupe world new`)")
    .requiredOption("--model <spec>", "the model that plays the characters")
    .option("--extract-model <spec>", "the model that extracts world events (default: --model)")
    .option("--check-model <spec>", "a model for the optional LLM consistency check (default: none)")
    .option("--director <mode>", "auto | round_robin | manual (manual: use /as <name>)", "auto")
    .option("--branch <name>", "continue on this branch")
    .addHelpText(
      "after",
      `
Each line you type is committed to the world's ledger; the director picks who answers and says why. A reply
that breaks a rule (two places at once, a dead character acting, knowledge the speaker cannot have, a lore hard
fact, deciding what you do) is shown with options and committed only when you decide. /help lists commands.

Examples:
  troupe chat Seraphina --model openai:gpt-4.1-mini
  troupe chat w3f2a --model local:./models/my-model.Q4_K_M.gguf
  troupe chat Seraphina --model minimax:MiniMax-M2-her --check-model openai:gpt-4.1-mini`,
    )
    .action(
      action(
        async (
          ctx,
          ref: string,
          options: {
            model: string;
            extractModel?: string;
            checkModel?: string;
            director: string;
            budgetTokens?: string;
            budget?: string;
            branch?: string;
          },
        ) => {
          if (!["auto", "round_robin", "manual"].includes(options.director))
            throw new UsageError("chat.bad_director", `Unknown director mode "${options.director}".`, {
              hint: "Use auto, round_robin or manual.",
            });
          const budget = Number(tokenBudget(options));
          if (!Number.isInteger(budget) || budget < 200)
            throw new UsageError("chat.bad_budget", "--budget-tokens must be a whole number of tokens, at least 200.");
          const store = await ctx.store();
          const world = await World.open(store, ref);
          if (options.branch) await world.checkout(options.branch);
          const common = { config: ctx.config, store, logger: ctx.logger };
          const generator = await resolveModel(options.model, common);
          const extractor = options.extractModel ? await resolveModel(options.extractModel, common) : generator;
          const checker = options.checkModel ? await resolveModel(options.checkModel, common) : undefined;
          const session = new ChatSession(
            world,
            { generator, extractor, ...(checker ? { checker } : {}) },
            {
              director: options.director as DirectorMode,
              budgetTokens: budget,
              out: (line) => ctx.print(line),
            },
          );
          session.start();
          const rl = createInterface({
            input: process.stdin,
            output: process.stdout,
            terminal: process.stdin.isTTY === true,
          });
          rl.setPrompt("> ");
          await runChatLoop(session, rl, { out: (line) => ctx.print(line), prompt: () => rl.prompt() });
          rl.close();
          ctx.print("bye — everything so far is saved.");
          return undefined;
        },
      ),
    );
}
