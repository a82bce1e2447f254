import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { BENCH_COMMANDS } from "../../src/cli/commands/bench.ts";
import { COMMAND_GROUPS } from "../../src/cli/commands/index.ts";
import { buildProgram } from "../../src/cli/main.ts";
import { requestedCommand } from "../../src/cli/requested-command.ts";

const argv = (...words: string[]) => ["node", "troupe", ...words];

describe("lazy command loading", () => {
  it("finds the command words a command line asks for, past global options and their values", () => {
    expect(requestedCommand(argv("bench", "ls", "--json"))).toEqual(["bench", "ls"]);
    expect(requestedCommand(argv("--home", "bench", "--config", "x.yaml", "world", "show", "w1"))).toEqual([
      "world",
      "show",
    ]);
    expect(requestedCommand(argv("-c", "bench", "card", "inspect"))).toEqual(["card", "inspect"]);
    expect(requestedCommand(argv("--json", "-v", "bench"))).toEqual(["bench"]);
    expect(requestedCommand(argv("help", "bench"))).toEqual(["bench"]);
    expect(requestedCommand(argv("bench", "help", "ls"))).toEqual(["bench", "ls"]);
    expect(requestedCommand(argv("--help"))).toEqual([]);
    expect(requestedCommand(argv())).toEqual([]);
    expect(requestedCommand(argv("--", "bench"))).toEqual([]);
  });

  it("lists every group and bench subcommand with the same line as the command's own description", async () => {
    const program = await buildProgram("all");
    const byName = (parent: Command, name: string) => parent.commands.find((c) => c.name() === name);
    for (const group of COMMAND_GROUPS) expect(byName(program, group.name)?.description()).toBe(group.summary);
    const bench = byName(program, "bench") as Command;
    for (const sub of BENCH_COMMANDS) expect(byName(bench, sub.name)?.description()).toBe(sub.summary);
    expect(program.commands.map((c) => c.name())).toEqual(COMMAND_GROUPS.map((g) => g.name));
  });

  it("registers only the requested group and subcommand for real; the rest are one-line stubs", async () => {
    const program = await buildProgram(argv("bench", "ls"));
    const bench = program.commands.find((c) => c.name() === "bench") as Command;
    const ls = bench.commands.find((c) => c.name() === "ls") as Command;
    const run = bench.commands.find((c) => c.name() === "run") as Command;
    expect(ls.options.map((o) => o.long)).toContain("--limit");
    expect(run.options).toEqual([]);
    const world = program.commands.find((c) => c.name() === "world") as Command;
    expect(world.commands).toEqual([]);
  });
});
