#!/usr/bin/env node
// Entry point of the `troupe` command. The sources are TypeScript run through tsx, so `npm ci && npx troupe`
// works with no build step and the code that runs is always the code in src/.
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
