// Start-up time of the built `troupe` command against a bare `node -e 0`, measured side by side in interleaved
// rounds so that machine load hits both alike. Target (issue 13): `troupe --version` and `troupe bench ls` under
// 0.25 s wall time on the development machine.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { median, type PerfResult } from "./perf-result.ts";

const ROOT = resolve(import.meta.dirname, "..");
const BIN = join(ROOT, "bin/troupe.js");
const ROUNDS = 21;
const TARGET_S = 0.25;

function wallSeconds(args: string[], env: NodeJS.ProcessEnv): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { env, stdio: ["ignore", "ignore", "pipe"] });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) throw new Error(`${args.join(" ")} exited ${result.status}: ${result.stderr}`);
  return seconds;
}

export default async function cliStartup(): Promise<PerfResult[]> {
  execFileSync(process.execPath, [join(ROOT, "scripts/build.mjs")], { stdio: "inherit" });
  const home = mkdtempSync(join(tmpdir(), "troupe-perf-start-"));
  const env = { PATH: process.env["PATH"] ?? "", HOME: home, TROUPE_HOME: join(home, ".troupe") };
  const commands: Record<string, string[]> = {
    "node -e 0": ["-e", "0"],
    "troupe --version": [BIN, "--version"],
    "troupe bench ls": [BIN, "bench", "ls"],
    "troupe bench --help": [BIN, "bench", "--help"],
  };
  try {
    wallSeconds(commands["troupe bench ls"] as string[], env); // creates and migrates the store once
    const times: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
    for (let round = 0; round < ROUNDS; round++)
      for (const [name, args] of Object.entries(commands)) times[name]?.push(wallSeconds(args, env));
    const node = median(times["node -e 0"] as number[]);
    return Object.entries(times)
      .filter(([name]) => name !== "node -e 0")
      .map(([name, samples]) => {
        const seconds = median(samples);
        const measured = name !== "troupe bench --help";
        return {
          name: `start-up: ${name}`,
          ratio: seconds / node,
          unit: "median wall time ÷ node -e 0",
          ...(measured ? { target: `< ${TARGET_S} s`, pass: seconds < TARGET_S } : {}),
          detail: { seconds, nodeSeconds: node, rounds: ROUNDS },
        };
      });
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
