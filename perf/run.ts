// `npm run perf [filter]`: runs every perf/*.perf.ts in this one process, one after another, and prints the
// ratios. Each benchmark measures troupe and its baseline side by side in the same run, so machine speed cancels.
// package.json starts it with the V8 flags bin/troupe.js uses, so perf measures the runtime the command runs in.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { PerfModule, PerfResult } from "./perf-result.ts";

const filter = process.argv[2];
const dir = import.meta.dirname;
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".perf.ts") && (!filter || f.includes(filter)))
  .sort();
const all: Array<PerfResult & { file: string }> = [];
for (const file of files) {
  process.stderr.write(`running ${file}…\n`);
  const mod = (await import(pathToFileURL(join(dir, file)).href)) as PerfModule;
  for (const result of await mod.default()) {
    all.push({ ...result, file });
    const verdict = result.pass === undefined ? "" : result.pass ? "  PASS" : "  FAIL";
    console.log(
      `${result.name}: ${result.ratio.toFixed(3)} (${result.unit})${result.target ? ` target ${result.target}` : ""}${verdict}`,
    );
    console.log(
      `  ${Object.entries(result.detail)
        .map(([k, v]) => `${k}=${typeof v === "number" ? +v.toFixed(4) : v}`)
        .join("  ")}`,
    );
  }
}
if (all.length === 0) console.log(filter ? `no perf file matches "${filter}"` : "no perf files");
process.exitCode = all.some((r) => r.pass === false) ? 1 : 0;
