#!/usr/bin/env -S node --max-semi-space-size=32
// Entry point of the `troupe` command. The sources are TypeScript run through tsx, so `npm ci && npx troupe`
// works with no build step and the code that runs is always the code in src/.
//
// --max-semi-space-size=32 (MB): a bench run at concurrency 64 allocates a request body, a response and their
// promises per call, and many of them survive the 50 ms+ the call is in flight. V8's default young generation is
// too small for that, so those objects are copied out of it again and again; a larger one cut the harness's CPU
// per call by about a fifth in perf/bench-run.perf.ts. `npm run perf` runs under the same flag as the command.
import { register } from "tsx/esm/api";

register();
// `troupe … | head` closes the pipe early; that is the reader's choice, not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
}
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv);
