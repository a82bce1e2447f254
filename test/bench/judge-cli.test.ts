import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeLlmServer, startFakeLlmServer } from "../support/fake-llm-server.ts";
import { startTroupe } from "../support/troupe-process.ts";
import { oracleJudge, writeOfficialFiles } from "./judge-cli-fixtures.ts";

let server: FakeLlmServer;
let dir: string;
let fileA: string;
let fileB: string;

beforeAll(async () => {
  server = await startFakeLlmServer({ reply: oracleJudge });
  dir = mkdtempSync(join(tmpdir(), "troupe-judge-cli-"));
  fileA = writeOfficialFiles(join(dir, "a"), "alpha", { scenarios: 4, runs: 2, turns: 20, flawed: false });
  fileB = writeOfficialFiles(join(dir, "b"), "beta", { scenarios: 4, runs: 2, turns: 20, flawed: true });
});
afterAll(async () => {
  await server.close();
});

async function troupe(...args: string[]) {
  return startTroupe(["--home", join(dir, "home"), ...args], { cwd: dir }).done;
}

describe("troupe bench judge / report / gate", () => {
  const judge = () => `${server.openaiBaseUrl}#oracle`;

  it("judges official dialogues files, resumes from stored chunks, and explains missing input", async () => {
    const noJudge = await troupe("bench", "judge", fileA);
    expect(noJudge.code).toBe(2);
    expect(noJudge.stderr).toMatch(/No judge model given[\s\S]*--judge <spec>/);
    const a = await troupe(
      "--json",
      "bench",
      "judge",
      fileA,
      "--judge",
      judge(),
      "--chunk-turns",
      "10",
      "--resamples",
      "200",
    );
    expect(a.code, a.stderr).toBe(0);
    const out = JSON.parse(a.stdout);
    expect(out).toMatchObject({ chunks: 16, cachedChunks: 0, failedChunks: 0 });
    expect(out.config).toMatchObject({ promptVersion: "judge-v3", chunking: { chunkTurns: 10, contextTurns: 1 } });
    expect(out.scores.alpha.find((i: { metric: string }) => i.metric === "overall").estimate).toBe(100);
    const calls = server.callCount;
    expect(calls).toBe(16);
    const again = await troupe(
      "--json",
      "bench",
      "judge",
      fileA,
      "--judge",
      judge(),
      "--chunk-turns",
      "10",
      "--resamples",
      "200",
    );
    expect(JSON.parse(again.stdout)).toMatchObject({ judgement: out.judgement, cachedChunks: 16 });
    expect(server.callCount).toBe(calls);
    const b = await troupe("bench", "judge", fileB, "--judge", judge(), "--chunk-turns", "10", "--resamples", "200");
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout).toMatch(/beta\s+\d+\.\d \[/);
    const list = await troupe("bench", "judge", fileB, "--list");
    expect(list.stdout).toMatch(/^j-[0-9a-f]{12}\s+complete/m);
  }, 60_000);

  it("writes HTML, JSON and Markdown reports", async () => {
    const out = join(dir, "reports", "r.html");
    const r = await troupe("bench", "report", fileA, fileB, "--out", out, "--resamples", "200");
    expect(r.code, r.stderr).toBe(0);
    const html = readFileSync(out, "utf8");
    expect(html).toContain("<svg");
    expect(html).toContain("Content-Security-Policy");
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=["']https?:/);
    const report = JSON.parse(readFileSync(join(dir, "reports", "r.json"), "utf8"));
    expect(report.entries.map((e: { label: string }) => e.label)).toEqual(["alpha", "beta"]);
    expect(report.comparisons[0].differences[0].metric).toBe("overall");
    expect(report.comparisons[0].differences[0].difference).toBeLessThan(0);
    expect(existsSync(join(dir, "reports", "r.md"))).toBe(true);
    expect(readFileSync(join(dir, "reports", "r.md"), "utf8")).toMatch(/\| 1 \| alpha \| 100\.0/);
  }, 60_000);

  it("gates on the paired lower bound with documented exit codes", async () => {
    const fail = await troupe("bench", "gate", "--baseline", fileA, "--candidate", fileB, "--resamples", "300");
    expect(fail.code, fail.stderr).toBe(10);
    expect(fail.stdout).toMatch(/Overall[\s\S]*FAIL[\s\S]*FAILED/);
    const pass = await troupe(
      "--json",
      "bench",
      "gate",
      "--baseline",
      fileB,
      "--candidate",
      fileA,
      "--resamples",
      "300",
    );
    expect(pass.code, pass.stderr).toBe(0);
    expect(JSON.parse(pass.stdout)).toMatchObject({ pass: true, pairedScenarios: 4 });
    const unjudged = writeOfficialFilesFor("c");
    const bad = await troupe("bench", "gate", "--baseline", fileA, "--candidate", unjudged);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/has not been judged yet[\s\S]*troupe bench judge/);
  }, 60_000);

  it("prints detector precision and recall", async () => {
    const r = await troupe("bench", "calibrate", "detectors", "--per-subtype", "2", "--clean", "2");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/speaks_for_user\s+8\s+8\s+8\s+0\s+0\s+1\.000\s+1\.000/);
  }, 60_000);
});

function writeOfficialFilesFor(name: string): string {
  return writeOfficialFiles(join(dir, name), "gamma", { scenarios: 2, runs: 1, turns: 10, flawed: false });
}
