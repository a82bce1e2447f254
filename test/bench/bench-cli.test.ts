import { once } from "node:events";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listRunRecords, loadDialoguesFile, resolveSuite } from "../../src/bench/index.ts";
import { openStore } from "../../src/store/index.ts";
import { type FakeLlmServer, startFakeLlmServer } from "../support/fake-llm-server.ts";
import { runTroupe, startTroupe } from "./troupe-process.ts";

let server: FakeLlmServer;
beforeAll(async () => {
  server = await startFakeLlmServer({ latencyMs: 2 });
});
afterAll(async () => {
  await server.close();
});

const home = () => mkdtempSync(join(tmpdir(), "troupe-bench-cli-"));
const models = () => [
  "--model",
  `${server.openaiBaseUrl}#npc-model`,
  "--user-model",
  `${server.openaiBaseUrl}#user-model`,
];

describe.concurrent("troupe bench (CLI, against the fake OpenAI-compatible server)", { timeout: 180_000 }, () => {
  it("runs a small bench, lists it, shows its status and exports official-shape dialogues", async () => {
    const cwd = home();
    const run = await runTroupe(
      ["bench", "run", "--suite", "builtin-zh", ...models(), "--runs", "2", "--turns", "4", "--limit", "2", "--json"],
      { cwd },
    );
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.status).toBe("complete");
    expect(result.progress).toMatchObject({ sessionsDone: 4, turnsDone: 24 });
    expect(result.estimate.player.calls).toBe(8);
    const ls = JSON.parse((await runTroupe(["bench", "ls", "--json"], { cwd })).stdout);
    expect(ls.runs.map((r: { id: string }) => r.id)).toEqual([result.run]);
    const status = await runTroupe(["bench", "status", result.run.slice(0, 15)], { cwd });
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/sessions 4\/4 complete/);
    expect(status.stdout).toMatch(/prompt usersim-1 \([0-9a-f]{16}\), sees card: no/);
    const out = join(cwd, "export");
    const exported = await runTroupe(["bench", "export", result.run, "--out", out], { cwd });
    expect(exported.code, exported.stderr).toBe(0);
    const dialogues = await loadDialoguesFile(join(out, "dialogues.jsonl"));
    expect(dialogues.issues).toEqual([]);
    expect(dialogues.rows.map((d) => [d.num_turns, d.model_name])).toEqual(
      Array(4).fill([6, `${server.openaiBaseUrl}#npc-model`]),
    );
    expect(dialogues.rows[0]?.meta?.totals["player"]?.calls).toBe(2);
    // The export folder is itself a suite (seeds.jsonl), so the same scenarios can be rerun.
    expect((await resolveSuite(out)).scenarios.map((s) => s.lang)).toEqual(["zh", "zh"]);
  });

  it("prints an estimate with --dry-run and creates nothing", async () => {
    const cwd = home();
    writeFileSync(
      join(cwd, "troupe.config.yaml"),
      `prices:\n  "${server.openaiBaseUrl}#npc-model": { input: 0.3, output: 1.2 }\n  "${server.openaiBaseUrl}#user-model": { input: 0.1, output: 0.4 }\n`,
    );
    const dry = await runTroupe(["bench", "run", "--suite", "builtin-en", ...models(), "--dry-run"], { cwd });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/Estimate: 42 sessions, 4200 generated turns/);
    expect(dry.stdout).toMatch(/player\s+2100 calls/);
    expect(dry.stdout).toMatch(/total\s+\$\d+\.\d+/);
    const store = await openStore({ home: join(cwd, ".troupe") });
    expect(await listRunRecords(store)).toEqual([]);
    await store.close();
  });

  it("stops at the budget with exit 6 and finishes on resume with a larger one", async () => {
    const cwd = home();
    writeFileSync(
      join(cwd, "troupe.config.yaml"),
      `prices:\n  "${server.openaiBaseUrl}#npc-model": { input: 100, output: 100 }\n  "${server.openaiBaseUrl}#user-model": { input: 100, output: 100 }\n`,
    );
    const first = await runTroupe(
      [
        "bench",
        "run",
        "--suite",
        "builtin-en",
        ...models(),
        "--runs",
        "1",
        "--turns",
        "6",
        "--limit",
        "2",
        "--budget",
        "0.1",
        "--max-tokens",
        "100",
        "--user-max-tokens",
        "60",
        "--json",
      ],
      { cwd },
    );
    expect(first.code, first.stderr).toBe(6);
    const stopped = JSON.parse(first.stdout);
    expect(stopped.status).toBe("budget");
    expect(stopped.progress.costUsd).toBeLessThanOrEqual(0.1);
    expect(stopped.progress.turnsDone).toBeGreaterThan(0);
    const resumed = await runTroupe(["bench", "resume", stopped.run, "--budget", "50"], { cwd });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/complete · 2\/2 sessions · 16\/16 turns/);
    expect((await runTroupe(["bench", "resume", stopped.run], { cwd })).stdout).toMatch(/already complete/);
  });

  it("rejects a bad seeds file with file, row and field, and runs the valid rows with --skip-invalid", async () => {
    const cwd = home();
    const good = {
      id: "s1",
      ai_name: "A",
      ai_setting: "x",
      user_name: "B",
      user_setting: "y",
      ai_prologue: "hi",
      initial_user_input: "hello",
    };
    writeFileSync(
      join(cwd, "seeds.jsonl"),
      `${JSON.stringify(good)}\n${JSON.stringify({ ...good, id: "s2", ai_name: 3 })}\n`,
    );
    const bad = await runTroupe(
      ["bench", "run", "--suite", "seeds.jsonl", ...models(), "--turns", "2", "--runs", "1"],
      { cwd },
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/seeds\.jsonl:2: ai_name: must be a string, got number/);
    expect(bad.stderr).toMatch(/--skip-invalid/);
    const ok = await runTroupe(
      ["bench", "run", "--suite", "seeds.jsonl", ...models(), "--turns", "2", "--runs", "1", "--skip-invalid"],
      { cwd },
    );
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(/1 invalid row/);
    expect(ok.stdout).toMatch(/complete · 1\/1 sessions/);
  });

  it("stops cleanly on Ctrl-C (exit 130, run interrupted, committed turns kept) and resumes", async () => {
    const cwd = home();
    const child = startTroupe(
      [
        "bench",
        "run",
        "--suite",
        "builtin-en",
        ...models(),
        "--runs",
        "1",
        "--turns",
        "200",
        "--limit",
        "2",
        "--id",
        "ctrlc",
      ],
      { cwd },
    );
    await child.waitFor(/^run ctrlc:/m);
    await new Promise((r) => setTimeout(r, 100));
    child.child.kill("SIGINT");
    const end = await child.done;
    expect(end.code, end.stderr).toBe(130);
    expect(end.stderr).toMatch(/stopping: turns in flight are abandoned/);
    const status = JSON.parse((await runTroupe(["bench", "status", "ctrlc", "--json"], { cwd })).stdout);
    expect(status.status).toBe("interrupted");
    expect(status.progress.turnsDone).toBeGreaterThan(0);
    const resumed = await runTroupe(["bench", "resume", "ctrlc"], { cwd });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/complete · 2\/2 sessions · 404\/404 turns/);
  });

  it("fetches the official seeds once into the cache (HF_ENDPOINT mirror) and runs them as a suite", async () => {
    const cwd = home();
    const row = {
      id: "en_dialogue_001",
      ai_name: "A",
      ai_setting: "x",
      user_name: "B",
      user_setting: "y",
      ai_prologue: "hi",
      initial_user_input: "*look at you*",
    };
    let hits = 0;
    const mirror = createServer((req, res) => {
      hits++;
      if (req.url?.endsWith("/data/en/seeds.jsonl")) res.end(`${JSON.stringify(row)}\n`);
      else res.writeHead(404).end();
    });
    mirror.listen(0, "127.0.0.1");
    await once(mirror, "listening");
    const env = { HF_ENDPOINT: `http://127.0.0.1:${(mirror.address() as AddressInfo).port}` };
    try {
      const fetched = await runTroupe(["bench", "fetch", "--lang", "en", "--tables", "seeds", "--json"], { cwd, env });
      expect(fetched.code, fetched.stderr).toBe(0);
      expect(JSON.parse(fetched.stdout).files[0].path).toMatch(
        /cache\/role-play-bench\/3c1be2a[0-9a-f]+\/en\/seeds\.jsonl$/,
      );
      const run = await runTroupe(
        ["bench", "run", "--suite", "role-play-bench:en", ...models(), "--turns", "2", "--runs", "1"],
        { cwd, env },
      );
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/1 scenarios × 1 runs × 4 turns, suite role-play-bench:en/);
      expect(hits).toBe(1);
    } finally {
      mirror.close();
    }
  });

  it("teaches with --help and fails clearly on bad flags", async () => {
    const cwd = home();
    const help = await runTroupe(["bench", "run", "--help"], { cwd });
    expect(help.stdout).toMatch(/Examples:/);
    expect(help.stdout).toMatch(/minimax:M2-her/);
    const bad = await runTroupe(["bench", "run", "--suite", "builtin-en", ...models(), "--turns", "abc"], { cwd });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--turns.*expected an integer/);
  });
});
