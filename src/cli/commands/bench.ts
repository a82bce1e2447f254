import type { Command } from "commander";
import { registerBenchCalibrate } from "./bench-calibrate.ts";
import { registerBenchExport } from "./bench-export.ts";
import { registerBenchFetch } from "./bench-fetch.ts";
import { registerBenchGate } from "./bench-gate.ts";
import { registerBenchJudge } from "./bench-judge.ts";
import { registerBenchLs } from "./bench-ls.ts";
import { registerBenchReport } from "./bench-report.ts";
import { registerBenchResume } from "./bench-resume.ts";
import { registerBenchRun } from "./bench-run.ts";
import { registerBenchStatus } from "./bench-status.ts";
import { registerWorker } from "./worker.ts";

/**
 * `troupe bench …` (each subcommand lives in its own file and is added here with one line) and `troupe worker`,
 * which processes distributed bench sessions.
 */
export function registerBench(program: Command): void {
  const bench = program
    .command("bench")
    .description(
      "reproduce MiniMax's Role-play Benchmark: generate long sessions against a user simulator, then judge them",
    )
    // Subcommands copy this when created: a bad flag then ends as a usage error (exit 2), not process.exit(1).
    .exitOverride();
  registerBenchRun(bench);
  registerBenchResume(bench);
  registerBenchStatus(bench);
  registerBenchLs(bench);
  registerBenchExport(bench);
  registerBenchJudge(bench);
  registerBenchReport(bench);
  registerBenchGate(bench);
  registerBenchCalibrate(bench);
  registerBenchFetch(bench);
  registerWorker(program);
}
