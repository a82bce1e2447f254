// `npm run perf [filter]`: runs every perf/*.perf.ts in this one process, one after another, and prints the
// ratios. Each benchmark measures troupe and its baseline side by side in the same run, so machine speed cancels.
// package.json starts it with the V8 flags bin/troupe.js uses, so perf measures the runtime the command runs in.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { PerfModule } from "./perf-result.ts";
import { type FileResult, mergePerformanceDoc, renderSection } from "./performance-doc.ts";

const filter = process.argv[2];
const dir = import.meta.dirname;
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".perf.ts") && (!filter || f.includes(filter)))
  .sort();
const all: FileResult[] = [];
const sections = new Map<string, string>();
for (const file of files) {
  process.stderr.write(`running ${file}…\n`);
  const mod = (await import(pathToFileURL(join(dir, file)).href)) as PerfModule;
  const results = await mod.default();
  sections.set(
    file,
    renderSection(
      file,
      results.map((r) => ({ ...r, file })),
    ),
  );
  for (const result of results) {
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
if (sections.size > 0) {
  const doc = join(dir, "../docs/performance.md");
  writeFileSync(doc, mergePerformanceDoc(existsSync(doc) ? readFileSync(doc, "utf8") : undefined, sections));
  console.log(`wrote ${sections.size} section(s) of docs/performance.md`);
}
if (all.length === 0) console.log(filter ? `no perf file matches "${filter}"` : "no perf files");
process.exitCode = all.some((r) => r.pass === false) ? 1 : 0;
