// `troupe bench run --world`: the bench runs its sessions with the world-aware player, end to end through the
// CLI against the fake OpenAI-compatible server.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listRunRecords } from "../../src/bench/index.ts";
import { openStore } from "../../src/store/index.ts";
import { type FakeLlmServer, startFakeLlmServer } from "../support/fake-llm-server.ts";
import { troupeNodeArgs } from "../support/troupe-command.ts";

/** Run the CLI without blocking this process (the fake server answers from it). */
function troupe(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, troupeNodeArgs(args), {
      cwd,
      env: { PATH: process.env["PATH"] ?? "", HOME: cwd },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

let server: FakeLlmServer;
const cwd = mkdtempSync(join(tmpdir(), "troupe-world-bench-"));
beforeAll(async () => {
  server = await startFakeLlmServer();
});
afterAll(async () => {
  await server.close();
  rmSync(cwd, { recursive: true, force: true });
});

describe("troupe bench run --world", () => {
  it("plays the NPC through the world engine and records the player as a world player", async () => {
    const run = await troupe([
      "bench",
      "run",
      "--suite",
      "builtin-en",
      "--model",
      `${server.openaiBaseUrl}#npc`,
      "--user-model",
      `${server.openaiBaseUrl}#user`,
      "--world",
      "--runs",
      "1",
      "--turns",
      "2",
      "--limit",
      "1",
      "--json",
    ]);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.status).toBe("complete");
    const store = await openStore({ home: join(cwd, ".troupe") });
    try {
      const [record] = await listRunRecords(store);
      expect(record?.config.player.kind).toBe("world");
    } finally {
      await store.close();
    }
    // Extraction calls (structured output) went to the model besides the NPC's lines.
    expect(server.requests.some((r) => r.schema !== undefined && r.model === "npc")).toBe(true);
  }, 120_000);
});
