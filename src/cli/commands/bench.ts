import type { Command } from "commander";
import { type LazyCommand, type RequestedPath, registerLazy } from "../lazy-command.ts";

/** `troupe bench …` subcommands, in help order; each lives in its own file and is added here with one entry. */
export const BENCH_COMMANDS: readonly LazyCommand[] = [
  {
    name: "run",
    summary: "generate bench dialogues: scenarios × runs × (turns + 2), resumable, with an estimate and a budget",
    load: async () => (await import("./bench-run.ts")).registerBenchRun,
  },
  {
    name: "resume",
    usage: "<run>",
    summary: "continue an interrupted, failed or budget-stopped run from its last committed turn",
    load: async () => (await import("./bench-resume.ts")).registerBenchResume,
  },
  {
    name: "status",
    usage: "<run>",
    summary: "show a run's progress, settings, usage per role and failed sessions",
    load: async () => (await import("./bench-status.ts")).registerBenchStatus,
  },
  {
    name: "ls",
    summary: "list bench runs, newest first, with status, progress and cost",
    load: async () => (await import("./bench-ls.ts")).registerBenchLs,
  },
  {
    name: "rm",
    usage: "<run...>",
    summary: "delete bench runs with their sessions and turns (refuses a run a live process is generating)",
    load: async () => (await import("./bench-rm.ts")).registerBenchRm,
  },
  {
    name: "export",
    usage: "<run>",
    summary: "write a run's dialogues as role-play-bench dialogues.jsonl (+ seeds.jsonl) or as text transcripts",
    load: async () => (await import("./bench-export.ts")).registerBenchExport,
  },
  {
    name: "judge",
    summary: "judge a run or official dialogues with an LLM judge panel (resumable; no regeneration)",
    load: async () => (await import("./bench-judge.ts")).registerBenchJudge,
  },
  {
    name: "report",
    summary: "write a self-contained HTML report (plus JSON and Markdown) of judged runs",
    load: async () => (await import("./bench-report.ts")).registerBenchReport,
  },
  {
    name: "gate",
    summary: "CI gate: exit 0 only if candidate − baseline has a 95% lower bound above −margin (else exit 10)",
    load: async () => (await import("./bench-gate.ts")).registerBenchGate,
  },
  {
    name: "calibrate",
    summary:
      "check the measuring instruments: judge vs reference scores, judge and detector recall, simulator sensitivity",
    load: async () => (await import("./bench-calibrate.ts")).registerBenchCalibrate,
  },
  {
    name: "fetch",
    summary: "download the official role-play-bench files (seeds, dialogues, evaluations) into the cache",
    load: async () => (await import("./bench-fetch.ts")).registerBenchFetch,
  },
];

/** `troupe bench …`: only the subcommand the command line asks for is loaded. */
export async function registerBench(program: Command, path: RequestedPath = "all"): Promise<void> {
  const bench = program
    .command("bench")
    .description(
      "reproduce MiniMax's Role-play Benchmark: generate long sessions against a user simulator, then judge them",
    )
    // Subcommands copy this when created: a bad flag then ends as a usage error (exit 2), not process.exit(1).
    .exitOverride();
  await registerLazy(bench, BENCH_COMMANDS, path);
}
