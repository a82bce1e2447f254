import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
// Inside the project, so the bundle's external packages (better-sqlite3, node-llama-cpp) resolve from node_modules.
const OUT = join(ROOT, "node_modules/.cache/troupe-build-test");

function run(args: string[]) {
  const home = mkdtempSync(join(tmpdir(), "troupe-build-"));
  const r = spawnSync(process.execPath, [join(OUT, "troupe.js"), ...args], {
    cwd: home,
    env: { PATH: process.env["PATH"] ?? "", HOME: home },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every file a bundle file loads before any code runs: its static imports, transitively. */
function staticClosure(entries: string[]): Map<string, string> {
  const seen = new Map<string, string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    const text = readFileSync(file, "utf8");
    seen.set(file, text);
    for (const m of text.matchAll(/(?:^|\n)(?:import|export)\s*(?:[^"';]*?\sfrom\s*)?"(\.[^"]+)"/g))
      visit(resolve(dirname(file), m[1] as string));
  };
  for (const entry of entries) visit(entry);
  return seen;
}

/** The chunk a lazily loaded command module was split into (esbuild names it after its source file). */
function chunkOf(text: string, source: string): string {
  const m = new RegExp(
    `import\\("(\\./chunks/${source}-[A-Z0-9]+\\.js)"\\)|import\\("(\\./${source}-[A-Z0-9]+\\.js)"\\)`,
  ).exec(text);
  if (!m) throw new Error(`no lazy chunk for ${source}`);
  return (m[1] ?? m[2]) as string;
}

describe("the built command (dist/, as npm ci builds it)", () => {
  beforeAll(() => {
    execFileSync(process.execPath, [join(ROOT, "scripts/build.mjs"), OUT], { stdio: "pipe" });
  }, 120_000);

  it("runs --version, bench ls and a dry run of a built-in suite (its data files ship with it)", () => {
    const version = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version as string;
    expect(run(["--version"]).stdout.trim()).toBe(version);
    const ls = run(["bench", "ls"]);
    expect(ls.code, ls.stderr).toBe(0);
    const dry = run([
      "bench",
      "run",
      "--suite",
      "builtin-en",
      "--model",
      "openai:gpt-4.1-mini",
      "--dry-run",
      "--limit",
      "1",
    ]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/Estimate: 3 sessions/);
  });

  it("writes --verbose logs as JSON lines on stderr (pino is bundled)", () => {
    // Port 9 is one fetch refuses outright, so the call fails at once after the model is resolved and logged.
    const r = run(["--verbose", "models", "test", "http://127.0.0.1:9/v1#m", "--timeout", "1000"]);
    const log = r.stderr.split("\n").find((line) => line.startsWith("{"));
    expect(JSON.parse(log ?? "null")).toMatchObject({ msg: "resolved model", model: "http://127.0.0.1:9/v1#m" });
  });

  it("reads the English lexicon from the bundle when the detectors run", () => {
    const r = run(["bench", "calibrate", "detectors", "--per-subtype", "1", "--clean", "1"]);
    expect(r.code, r.stderr).toBe(0);
  });

  it("loads neither the world engine, node-llama-cpp, the openai client nor undici for --version or bench ls, nor the judge for bench ls", () => {
    const entry = join(OUT, "troupe.js");
    const entryText = readFileSync(entry, "utf8");
    const bench = join(OUT, chunkOf(entryText, "bench"));
    const ls = join(dirname(bench), chunkOf(readFileSync(bench, "utf8"), "bench-ls").replace("./chunks/", "./"));
    for (const files of [staticClosure([entry]), staticClosure([entry, bench, ls])]) {
      const all = [...files.values()].join("\n");
      expect(all).not.toMatch(/^\/\/ src\/world\//m);
      expect(all).not.toMatch(/^\/\/ node_modules\/(openai|undici)\//m);
      expect(all).not.toMatch(/from "node-llama-cpp"/);
    }
    // --version parses commander and a few tiny shared chunks (how esbuild splits them changes as commands are added):
    // what matters is how much code it parses, not into how many files it is cut.
    const versionBytes = [...staticClosure([entry]).values()].reduce((n, text) => n + text.length, 0);
    expect(versionBytes).toBeLessThan(160_000);
    // bench ls reads run records only: not the judge, the detectors or the cards module (src/bench/run-records.ts).
    const lsText = [...staticClosure([entry, bench, ls]).values()].join("\n");
    expect(lsText).not.toMatch(/^\/\/ src\/(cards|bench\/judge|bench\/detectors)\//m);
    expect(lsText).not.toMatch(/^\/\/ node_modules\/yaml\//m);
  });
});
