import type { Command } from "commander";
import { registerBench } from "./bench.ts";
import { registerCard } from "./card.ts";
import { registerConfig } from "./config.ts";
import { registerLorebook } from "./lorebook.ts";
import { registerModels } from "./models.ts";

/** Every command group, in the order `troupe --help` lists them. Each helper adds one line here. */
export function registerCommands(program: Command): void {
  registerConfig(program);
  registerModels(program);
  registerBench(program);
  registerCard(program);
  registerLorebook(program);
}
