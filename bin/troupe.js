#!/usr/bin/env node
// Entry point of the `troupe` command. The sources are TypeScript run through tsx, so `npm ci && npx troupe`
// works with no build step and the code that runs is always the code in src/.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv);
