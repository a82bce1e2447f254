import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeLlmServer, startFakeLlmServer } from "../support/fake-llm-server.ts";
import { startTroupe } from "../support/troupe-process.ts";
import { oracleJudge, writeOfficialFiles } from "./judge-cli-fixtures.ts";

let server: FakeLlmServer;
let dir: string;
let file: string;

beforeAll(async () => {
  server = await startFakeLlmServer({ reply: oracleJudge });
  dir = mkdtempSync(join(tmpdir(), "troupe-judge-budget-"));
  file = writeOfficialFiles(join(dir, "a"), "alpha", { scenarios: 3, runs: 1, turns: 20, flawed: true });
});
afterAll(async () => {
  await server.close();
});

async function troupe(...args: string[]) {
  return startTroupe(["--home", join(dir, "home"), ...args], { cwd: dir }).done;
}

describe("troupe bench judge --budget-tokens / --budget-usd", () => {
  const common = () => [
    "bench",
    "judge",
    file,
    "--judge",
    `${server.openaiBaseUrl}#oracle`,
    "--chunk-turns",
    "10",
    "--max-tokens",
    "64",
    "--concurrency",
    "1",
  ];

  it("stops at the judge's token budget with exit 6, keeps what it judged, and continues with a larger one", async () => {
    const stopped = await troupe(...common(), "--budget-tokens", "3600");
    expect(stopped.code).toBe(6);
    expect(stopped.stderr).toMatch(/Judge budget of 3600 tokens reached/);
    expect(stopped.stderr).toMatch(/larger --budget-tokens/);
    const callsAtStop = server.callCount;
    expect(callsAtStop).toBeGreaterThan(0);
    expect(callsAtStop).toBeLessThan(6);
    const list = await troupe("--json", "bench", "judge", file, "--list");
    expect(JSON.parse(list.stdout)[0]).toMatchObject({ status: "budget" });
    // The same limit again: what was judged counts against it, so nothing new fits.
    const again = await troupe(...common(), "--budget-tokens", "3600");
    expect(again.code).toBe(6);
    expect(server.callCount).toBe(callsAtStop);
    const done = await troupe("--json", ...common(), "--budget-tokens", "1000000");
    expect(done.code).toBe(0);
    const out = JSON.parse(done.stdout);
    expect(out.cachedChunks).toBe(callsAtStop);
    expect(out.failedChunks).toBe(0);
    expect(server.callCount).toBe(6);
  }, 120_000);

  it("refuses a dollar budget for a judge with no price", async () => {
    const r = await troupe(...common(), "--budget-usd", "1");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--budget-usd needs a price/);
  }, 60_000);
});
