import type { Command } from "commander";
import { registerBench } from "./bench.ts";
import { registerCard } from "./card.ts";
import { registerChat } from "./chat.ts";
import { registerConfig } from "./config.ts";
import { registerLorebook } from "./lorebook.ts";
import { registerModels } from "./models.ts";
import { registerWorld } from "./world.ts";

/** Every command group, in the order `troupe --help` lists them. Each helper adds one line here. */
export function registerCommands(program: Command): void {
  registerConfig(program);
  registerModels(program);
  registerBench(program);
  registerWorld(program);
  registerChat(program);
  registerCard(program);
  registerLorebook(program);
}
