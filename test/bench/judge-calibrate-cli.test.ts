import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeLlmServer, startFakeLlmServer } from "../support/fake-llm-server.ts";
import { startTroupe } from "../support/troupe-process.ts";
import { judgeFlawOracle } from "./judge-flaw-oracle.ts";

let server: FakeLlmServer;
let dir: string;

beforeAll(async () => {
  // The judge double behind a real OpenAI-compatible endpoint: `#noisy` also flags every chunk's first round.
  server = await startFakeLlmServer({
    reply: (request) =>
      judgeFlawOracle(request.messages.find((m) => m.content?.includes("<<DATA"))?.content ?? "", {
        noisy: request.model === "noisy",
      }),
  });
  dir = mkdtempSync(join(tmpdir(), "troupe-judge-calibrate-"));
});
afterAll(async () => {
  await server.close();
});

async function troupe(...args: string[]) {
  return startTroupe(["--home", join(dir, "home"), ...args], { cwd: dir }).done;
}

describe("troupe bench calibrate judge", () => {
  it("reports recall per kind and distance, false flags per clean chunk and the ledger's worth", async () => {
    const common = ["bench", "calibrate", "judge", "--per-kind", "1", "--clean", "1", "--langs", "en"];
    const r = await troupe("--json", ...common, "--judge", `${server.openaiBaseUrl}#oracle`);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.conditions.map((c: { ledger: string }) => c.ledger)).toEqual(["on", "off"]);
    const [on, off] = out.conditions;
    expect(on.recall.byDistance.map((d: { distance: number; recall: number }) => [d.distance, d.recall])).toEqual([
      [20, 1],
      [50, 1],
      [80, 1],
    ]);
    expect(off.recall.byDistance.map((d: { recall: number }) => d.recall)).toEqual([0, 0, 0]);
    expect(on.recall.byKind).toHaveLength(8);
    expect(on.recall.falseFlags).toMatchObject({ cleanChunks: 5, flags: 0 });
    expect(out.ledgerWorth.factContradiction.difference.estimate).toBe(1);

    const text = await troupe(...common, "--judge", `${server.openaiBaseUrl}#noisy`, "--ledger", "on");
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/fact_contradiction\s+1\.00 \[0\.44, 1\.00\] 3\/3/);
    expect(text.stdout).toMatch(/false flags \/ clean chunk\s+1\.00 \[1\.00, 1\.00\] 5\/5/);
    expect(text.stdout).not.toMatch(/ledger worth/);

    const bad = await troupe(...common, "--judge", `${server.openaiBaseUrl}#oracle`, "--kinds", "typo");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--kinds: "typo"[\s\S]*fact_contradiction/);
  }, 120_000);

  it("stops at the judge's token budget with exit 6 and finishes with a larger one", async () => {
    const common = [
      "bench",
      "calibrate",
      "judge",
      "--per-kind",
      "1",
      "--clean",
      "0",
      "--langs",
      "en",
      "--kinds",
      "factual_error",
      "--ledger",
      "on",
      "--flaw-seed",
      "budget-test",
      "--concurrency",
      "1",
      "--judge",
      `${server.openaiBaseUrl}#oracle`,
    ];
    const stopped = await troupe(...common, "--budget-tokens", "5000");
    expect(stopped.code).toBe(6);
    expect(stopped.stderr).toMatch(/Judge budget of 5000 tokens reached[\s\S]*larger --budget-usd or --budget-tokens/);
    const done = await troupe("--json", ...common, "--budget-tokens", "1000000");
    expect(done.code).toBe(0);
    expect(JSON.parse(done.stdout).conditions[0].recall.overall).toMatchObject({ injected: 1, found: 1 });
  }, 120_000);
});
