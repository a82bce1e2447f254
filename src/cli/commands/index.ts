import type { Command } from "commander";
import { registerConfig } from "./config.ts";

/** Every command group, in the order `troupe --help` lists them. Each helper adds one line here. */
export function registerCommands(program: Command): void {
  registerConfig(program);
}
