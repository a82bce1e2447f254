#!/usr/bin/env -S node --max-semi-space-size=32
// Entry point of the `troupe` command: runs the bundle that `npm ci` builds (scripts/build.mjs, via `prepare`).
//
// --max-semi-space-size=32 (MB): a bench run at concurrency 64 keeps many request and response objects alive
// across calls; a larger young generation stops V8 copying them out of it again and again.
import { existsSync } from "node:fs";

const bundle = new URL("../dist/troupe.js", import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write("error: troupe is not built yet.\n  hint: run `npm run build` (npm ci does it for you).\n");
  process.exit(1);
}
await import(bundle.href);
