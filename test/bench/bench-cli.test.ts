import { once } from "node:events";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  acquireRunLease,
  chatModelPlayer,
  createRun,
  DEFAULT_SIMULATOR_SETTINGS,
  listRunRecords,
  loadDialoguesFile,
  resolveSuite,
  updateRunStatus,
} from "../../src/bench/index.ts";
import { openStore } from "../../src/store/index.ts";
import { type FakeLlmServer, presets, startFakeLlmServer } from "../support/fake-llm-server.ts";
import { runTroupe, startTroupe } from "../support/troupe-process.ts";
import { waitUntil } from "../support/wait-until.ts";
import { scriptedModel } from "./scripted-model.ts";

let server: FakeLlmServer;
beforeAll(async () => {
  server = await startFakeLlmServer({ latencyMs: 2 });
});
afterAll(async () => {
  await server.close();
});

const home = () => mkdtempSync(join(tmpdir(), "troupe-bench-cli-"));

/** Committed turns in a folder's SQLite store (0 before it exists). */
function committedTurns(cwd: string): number {
  try {
    const db = new Database(join(cwd, ".troupe", "troupe.db"), { readonly: true, fileMustExist: true });
    try {
      return (db.prepare("select count(*) as n from bench_turns").get() as { n: number }).n;
    } catch {
      return 0;
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}

/** A fake model that answers `answered` calls, then holds every further call until `open()`. */
async function gatedServer(answered: number) {
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const state = { held: 0 };
  const server = await startFakeLlmServer({
    reply: async (req, i) => {
      if (i >= answered) {
        state.held++;
        await gate;
      }
      return presets.auto(req, i);
    },
  });
  return {
    server,
    models: ["--model", `${server.openaiBaseUrl}#npc`, "--user-model", `${server.openaiBaseUrl}#user`],
    get held() {
      return state.held;
    },
    open: () => release(),
  };
}

const models = () => [
  "--model",
  `${server.openaiBaseUrl}#npc-model`,
  "--user-model",
  `${server.openaiBaseUrl}#user-model`,
];

describe.concurrent("troupe bench (CLI, against the fake OpenAI-compatible server)", { timeout: 600_000 }, () => {
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

  // builtin-en: 16 scenarios × 3 runs = 48 sessions of 100 generated turns (half of them the player's).
  it("prints an estimate with --dry-run and creates nothing", async () => {
    const cwd = home();
    writeFileSync(
      join(cwd, "troupe.config.yaml"),
      `prices:\n  "${server.openaiBaseUrl}#npc-model": { input: 0.3, output: 1.2 }\n  "${server.openaiBaseUrl}#user-model": { input: 0.1, output: 0.4 }\n`,
    );
    const dry = await runTroupe(["bench", "run", "--suite", "builtin-en", ...models(), "--dry-run"], { cwd });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/Estimate: 48 sessions, 4800 generated turns/);
    expect(dry.stdout).toMatch(/player\s+2400 calls/);
    expect(dry.stdout).toMatch(/total\s+\$\d+\.\d+/);
    const store = await openStore({ home: join(cwd, ".troupe") });
    expect(await listRunRecords(store)).toEqual([]);
    await store.close();
  });

  it("dry-runs without API keys and says when the last turn's prompt will not fit the model's context", async () => {
    const cwd = home();
    // A named endpoint with a declared context, and openai:… with no OPENAI_API_KEY in the environment.
    writeFileSync(
      join(cwd, "troupe.config.yaml"),
      `models:\n  small:\n    spec: openai:gpt-4.1-mini\n    contextSize: 4096\n`,
    );
    const dry = await runTroupe(
      ["bench", "run", "--suite", "builtin-en", "--model", "small", "--user-model", "openai:gpt-4.1-nano", "--dry-run"],
      { cwd },
    );
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/Estimate: 48 sessions/);
    expect(dry.stdout).toMatch(
      /context {2}player {4}openai:gpt-4\.1-mini: WILL NOT FIT: the last turn's call needs ≈\d+ prompt \+ 512 output tokens, more than its 4096-token context/,
    );
    expect(dry.stdout).toMatch(/use --context-strategy window:<k>/);
    expect(dry.stdout).toMatch(/context {2}user-sim {2}openai:gpt-4\.1-nano: .*window unknown/);
    const fits = await runTroupe(
      [
        "bench",
        "run",
        "--suite",
        "builtin-en",
        "--model",
        "small",
        "--user-model",
        "small",
        "--dry-run",
        "--json",
      ].concat(["--turns", "10", "--context-strategy", "window:6"]),
      { cwd },
    );
    expect(fits.code, fits.stderr).toBe(0);
    expect(JSON.parse(fits.stdout).context.map((f: { verdict: string }) => f.verdict)).toEqual(["fits", "fits"]);
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
        "--budget-usd",
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
    const resumed = await runTroupe(["bench", "resume", stopped.run, "--budget-usd", "50"], { cwd });
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
    // The model stops answering after a few calls, so the run is certainly mid-way when it is interrupted.
    const gated = await gatedServer(6);
    try {
      const child = startTroupe(
        [
          "bench",
          "run",
          "--suite",
          "builtin-en",
          ...gated.models,
          "--runs",
          "1",
          "--turns",
          "20",
          "--limit",
          "2",
        ].concat(["--id", "ctrlc"]),
        { cwd },
      );
      await child.waitFor(/^run ctrlc:/m, 600_000);
      await waitUntil(() => gated.held > 0 && committedTurns(cwd) > 2);
      child.child.kill("SIGINT");
      const end = await child.done;
      expect(end.code, end.stderr).toBe(130);
      expect(end.stderr).toMatch(/stopping: turns in flight are abandoned/);
      const status = JSON.parse((await runTroupe(["bench", "status", "ctrlc", "--json"], { cwd })).stdout);
      expect(status.status).toBe("interrupted");
      expect(status.progress.turnsDone).toBeGreaterThan(0);
      gated.open();
      const resumed = await runTroupe(["bench", "resume", "ctrlc"], { cwd });
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(resumed.stdout).toMatch(/complete · 2\/2 sessions · 44\/44 turns/);
    } finally {
      gated.open();
      await gated.server.close();
    }
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
    const strategy = await runTroupe(
      ["bench", "run", "--suite", "builtin-en", ...models(), "--context-strategy", "last:4"],
      { cwd },
    );
    expect(strategy.code).toBe(2);
    expect(strategy.stderr).toMatch(/--context-strategy.*expected full or window:<k>/);
    const rm = await runTroupe(["bench", "rm", "--help"], { cwd });
    expect(rm.stdout).toMatch(/Examples:\n\s+troupe bench rm 2026/);
    expect(rm.stdout).toMatch(/--force/);
  });
});

// Each troupe command here starts a process that compiles the sources through tsx, which takes seconds on a busy
// machine; the waits are on conditions (calls held by the fake model, rows in the database), never on time.
describe.concurrent("troupe bench: failed sessions, run ownership and bench rm (CLI)", { timeout: 600_000 }, () => {
  const run = (cwd: string, args: string[]) => runTroupe(["bench", "run", ...args], { cwd });
  const small = ["--suite", "builtin-en", "--runs", "1", "--turns", "10", "--limit", "3", "--personas", "plain"];

  it("fails only the session whose dialogue outgrows the model's context: exit 4, a summary, and status/ls/export say so", async () => {
    // A model whose context holds 8 messages; only the Maren Holt scenario's prompts reach that within 10 turns.
    const tight = await startFakeLlmServer({
      reply: (req, i) =>
        req.model === "npc-model" && String(req.messages[0]?.content).includes("Maren Holt") && req.messages.length > 8
          ? { fault: "http", status: 400, message: "This model's maximum context length is 2048 tokens." }
          : presets.auto(req, i),
    });
    try {
      const cwd = home();
      const models = ["--model", `${tight.openaiBaseUrl}#npc-model`, "--user-model", `${tight.openaiBaseUrl}#user`];
      const first = await run(cwd, [...small, ...models, "--concurrency", "1", "--id", "tight"]);
      expect(first.code, first.stderr).toBe(4);
      expect(first.stdout).toMatch(/run tight: failed · 2\/3 sessions/);
      expect(first.stdout).toMatch(/1 session failed on an error of its own; the other sessions went on/);
      expect(first.stdout).toMatch(
        /failed tight\/en_builtin_001\/run_1: round 8 \(model under test\): .*maximum context length/,
      );
      expect(first.stdout).toMatch(/hint: .*--context-strategy window:<k>/);
      expect(first.stdout).toMatch(/retry the failed sessions: troupe bench resume tight/);
      const status = await runTroupe(["bench", "status", "tight"], { cwd });
      expect(status.stdout).toMatch(/run tight {2}failed \(1 session\(s\) failed\)/);
      expect(status.stdout).toMatch(/failed tight\/en_builtin_001\/run_1: round 8 .*maximum context length/);
      expect(status.stdout).toMatch(/context full/);
      const ls = JSON.parse((await runTroupe(["bench", "ls", "--json"], { cwd })).stdout);
      expect(ls.runs[0]).toMatchObject({ id: "tight", status: "failed", sessionsFailed: 1 });
      const out = join(cwd, "export");
      await runTroupe(["bench", "export", "tight", "--out", out, "--include-partial"], { cwd });
      const exported = await loadDialoguesFile(join(out, "dialogues.jsonl"));
      const failed = exported.rows.find((d) => d.seed_id === "en_builtin_001");
      expect(failed?.meta).toMatchObject({ status: "failed", context_strategy: "full" });
      expect(failed?.meta?.["error"]).toMatch(/maximum context length/);
      // Resume does not fail at once: it retries the one failed session, and keeps the finished ones.
      const resumed = await runTroupe(["bench", "resume", "tight"], { cwd });
      expect(resumed.code, resumed.stderr).toBe(4);
      expect(resumed.stdout).toMatch(/run tight: failed · 2\/3 sessions .*\(0 new\)/);
    } finally {
      await tight.close();
    }
  });

  it("refuses --id of an existing run (exit 2, with a hint) and leaves no run behind when a start is refused", async () => {
    const cwd = home();
    const first = await run(cwd, [...small, ...models(), "--turns", "2", "--limit", "1", "--id", "taken"]);
    expect(first.code, first.stderr).toBe(0);
    const again = await run(cwd, [...small, ...models(), "--turns", "2", "--limit", "1", "--id", "taken"]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/A bench run "taken" already exists/);
    expect(again.stderr).toMatch(/troupe bench resume taken.*troupe bench rm taken.*another --id/);
    expect(again.stderr).not.toMatch(/probably a bug/);
    const unpriced = await run(cwd, [...small, ...models(), "--budget-usd", "1", "--id", "refused"]);
    expect(unpriced.code).toBe(2);
    expect(unpriced.stderr).toMatch(/needs a price/);
    const noQueue = await run(cwd, [...small, ...models(), "--queue", "redis://127.0.0.1:1", "--id", "noqueue"]);
    expect(noQueue.code).not.toBe(0);
    expect(noQueue.stderr).toMatch(/Cannot reach Redis/);
    const store = await openStore({ home: join(cwd, ".troupe") });
    try {
      expect((await listRunRecords(store)).map((r) => r.id)).toEqual(["taken"]);
    } finally {
      await store.close();
    }
  });

  it("shows a killed run as interrupted (status and ls) and resumes it at once on the same machine", async () => {
    const cwd = home();
    const gated = await gatedServer(6);
    try {
      const child = startTroupe(["bench", "run", ...small, ...gated.models, "--limit", "2", "--id", "killed"], { cwd });
      await child.waitFor(/^run killed:/m, 600_000);
      await waitUntil(() => gated.held > 0 && committedTurns(cwd) > 2);
      const live = JSON.parse((await runTroupe(["bench", "status", "killed", "--json"], { cwd })).stdout);
      expect(live.status).toBe("running");
      expect(live.holders).toEqual([
        expect.objectContaining({ owner: `${hostname()}:${child.child.pid}`, live: true }),
      ]);
      child.child.kill("SIGKILL");
      await child.done;
      const status = await runTroupe(["bench", "status", "killed"], { cwd });
      expect(status.stdout).toMatch(/^run killed {2}interrupted/m);
      expect(status.stdout).toMatch(/stopped: .* last renewed its lease \d+s ago and is gone/);
      const ls = JSON.parse((await runTroupe(["bench", "ls", "--json"], { cwd })).stdout);
      expect(ls.runs[0]).toMatchObject({ id: "killed", status: "interrupted" });
      gated.open();
      const resumed = await runTroupe(["bench", "resume", "killed"], { cwd });
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(resumed.stdout).toMatch(/complete · 2\/2 sessions · 24\/24 turns/);
    } finally {
      gated.open();
      await gated.server.close();
    }
  });

  it("refuses to resume or rm a run a live process holds, names it, and takes it over with --force", async () => {
    const cwd = home();
    const made = await run(cwd, [...small, ...models(), "--turns", "2", "--limit", "1", "--id", "held"]);
    expect(made.code, made.stderr).toBe(0);
    // Another machine's process holds the run (its lease was renewed just now).
    const store = await openStore({ home: join(cwd, ".troupe") });
    try {
      await updateRunStatus(store, "held", "running", Date.now());
      const holder = { owner: "gpu-box-7:4242", host: "gpu-box-7", pid: 4242 };
      await acquireRunLease(store, "held", { holder, now: Date.now(), exclusive: true, leaseMs: 600_000 });
      const resume = await runTroupe(["bench", "resume", "held"], { cwd });
      expect(resume.code).toBe(2);
      expect(resume.stderr).toMatch(/Run held is being generated by gpu-box-7:4242 \(lease renewed \d+s ago/);
      expect(resume.stderr).toMatch(/--force/);
      const rm = await runTroupe(["bench", "rm", "held"], { cwd });
      expect(rm.code).toBe(2);
      expect(rm.stderr).toMatch(/gpu-box-7:4242/);
      const forced = await runTroupe(["bench", "resume", "held", "--force"], { cwd });
      expect(forced.code, forced.stderr).toBe(0);
      expect((await listRunRecords(store)).map((r) => [r.id, r.status])).toEqual([["held", "complete"]]);
    } finally {
      await store.close();
    }
  });

  it("bench rm deletes runs by whole id only, and checks every id before deleting any", async () => {
    const cwd = home();
    const store = await openStore({ home: join(cwd, ".troupe") });
    try {
      const suite = await resolveSuite("builtin-en");
      for (const runId of ["rm-a", "rm-b"]) {
        await createRun(store, {
          suite,
          scenarios: suite.scenarios.slice(0, 1),
          player: chatModelPlayer(scriptedModel("test:npc")),
          userModel: scriptedModel("test:user"),
          userSpec: "test:user",
          simulator: DEFAULT_SIMULATOR_SETTINGS,
          personas: ["plain"],
          traps: [],
          runs: 1,
          turns: 2,
          seed: 1,
          concurrency: 1,
          runId,
          status: "interrupted",
        });
      }
      // "rm" is only a prefix: refused, and rm-a, checked before it, is kept too.
      const prefix = await runTroupe(["bench", "rm", "rm-a", "rm"], { cwd });
      expect(prefix.code).toBe(2);
      expect((await listRunRecords(store)).map((r) => r.id).sort()).toEqual(["rm-a", "rm-b"]);
      const removed = await runTroupe(["bench", "rm", "rm-a", "rm-b", "--json"], { cwd });
      expect(removed.code, removed.stderr).toBe(0);
      expect(JSON.parse(removed.stdout).removed.map((r: { id: string }) => r.id)).toEqual(["rm-a", "rm-b"]);
      expect(await listRunRecords(store)).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
