import type { Command } from "commander";
import { type LazyCommand, type RequestedPath, registerLazy } from "../lazy-command.ts";

/**
 * Every command group, in the order `troupe --help` lists them. Loading is lazy so that `troupe --version` or
 * `troupe bench ls` never parse the world engine, the judge or node-llama-cpp.
 */
export const COMMAND_GROUPS: readonly LazyCommand[] = [
  {
    name: "config",
    summary: "inspect troupe's configuration",
    load: async () => (await import("./config.ts")).registerConfig,
  },
  {
    name: "models",
    summary: "check model endpoints (OpenAI-compatible, MiniMax, local GGUF)",
    load: async () => (await import("./models.ts")).registerModels,
  },
  {
    name: "bench",
    summary:
      "reproduce MiniMax's Role-play Benchmark: generate long sessions against a user simulator, then judge them",
    load: async () => (await import("./bench.ts")).registerBench,
  },
  {
    name: "worker",
    summary: "process distributed bench sessions from a Redis queue (see `troupe bench run --queue`)",
    load: async () => (await import("./worker.ts")).registerWorker,
  },
  {
    name: "world",
    summary: "co-created worlds: an event ledger, facts over story time, branches, rollback and export",
    load: async () => (await import("./world.ts")).registerWorld,
  },
  {
    name: "learn",
    summary: "turn usage signals into trustworthy preference data: ingest, filter, label, de-bias, export",
    load: async () => (await import("./learn.ts")).registerLearn,
  },
  {
    name: "chat",
    usage: "<world>",
    summary: "role-play in a world in the terminal: swipes, rollback, branches, /why",
    load: async () => (await import("./chat.ts")).registerChat,
  },
  {
    name: "serve",
    summary: "serve characters and models over an OpenAI- and MiniMax-compatible API, logging every candidate",
    load: async () => (await import("./serve.ts")).registerServe,
  },
  {
    name: "user",
    summary: "users and API keys of `troupe serve`",
    load: async () => (await import("./user.ts")).registerUser,
  },
  {
    name: "card",
    summary: "character cards (V1/V2/V3 in JSON, PNG/APNG or CharX): inspect, validate, convert",
    load: async () => (await import("./card.ts")).registerCard,
  },
  {
    name: "lorebook",
    summary: "lorebooks (SillyTavern World Info, lorebook_v3, V2 character_book): convert, test activation",
    load: async () => (await import("./lorebook.ts")).registerLorebook,
  },
];

/** Register every group on the program: the one `path` asks for for real, the others as stubs. */
export async function registerCommands(program: Command, path: RequestedPath): Promise<void> {
  await registerLazy(program, COMMAND_GROUPS, path);
}
