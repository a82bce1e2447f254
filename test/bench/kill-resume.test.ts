import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatModelPlayer, type Dialogue, executeRun, getRun, loadRunDialogues } from "../../src/bench/index.ts";
import { createRng, loadConfig } from "../../src/core/index.ts";
import { closeCassettes, resolveModel } from "../../src/llm/index.ts";
import { openStore } from "../../src/store/index.ts";
import { type FakeLlmServer, startFakeLlmServer } from "../support/fake-llm-server.ts";
import { runTroupe, startTroupe } from "../support/troupe-process.ts";

// Reliability: kill -9 a real `troupe bench run` at random points, resume, and compare with an uninterrupted run
// over the same cassette. Replay mode makes any changed request after a resume an error, not a silent new call.
const TRIALS = 20;
const PARALLEL = 3;

let server: FakeLlmServer;
let cassette: string;
let expected: Record<string, string[]>;
const args = () => [
  "bench",
  "run",
  "--suite",
  "builtin-en",
  "--limit",
  "3",
  "--runs",
  "2",
  "--turns",
  "30",
  "--concurrency",
  "3",
  "--personas",
  "all",
  "--model",
  `${server.openaiBaseUrl}#npc`,
  "--user-model",
  `${server.openaiBaseUrl}#user`,
  "--id",
  "trial",
];
const TOTAL = 3 * 2 * 32;

const texts = (ds: Dialogue[]) =>
  Object.fromEntries(
    ds.map((d) => [`${d.seed_id}/${d.run_id}`, d.dialogue.map((t) => `${t.round}:${t.role}:${t.text}`)]),
  );

async function dialoguesIn(cwd: string): Promise<Record<string, string[]>> {
  const store = await openStore({ home: join(cwd, ".troupe") });
  try {
    return texts(await loadRunDialogues(store, "trial"));
  } finally {
    await store.close();
  }
}

function committedTurns(cwd: string): number {
  try {
    const db = new Database(join(cwd, ".troupe", "troupe.db"), { readonly: true, fileMustExist: true });
    try {
      return (db.prepare("select count(*) as n from bench_turns").get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}

beforeAll(async () => {
  server = await startFakeLlmServer({ latencyMs: 2 });
  const dir = mkdtempSync(join(tmpdir(), "troupe-kill-ref-"));
  cassette = join(dir, "ref.cassette.jsonl");
  const ref = await runTroupe([...args(), "--cassette", cassette, "--cassette-mode", "record"], { cwd: dir });
  if (ref.code !== 0) throw new Error(`reference run failed: ${ref.stderr}`);
  expected = await dialoguesIn(dir);
}, 600_000);

afterAll(async () => {
  await closeCassettes();
  await server.close();
});

async function resumeInProcess(cwd: string): Promise<void> {
  const config = loadConfig({ cwd, env: {} });
  const store = await openStore({ home: config.home });
  try {
    const run = await getRun(store, "trial");
    const options = { config, store, cassette: { path: cassette, mode: "replay" as const } };
    const player = chatModelPlayer(
      await resolveModel(run.config.player.spec, options),
      run.config.player.params,
      run.config.player.spec,
    );
    const userModel = await resolveModel(run.config.userSimulator.spec, options);
    const outcome = await executeRun("trial", { store, player, userModel });
    if (outcome.status !== "complete") throw new Error(`resume ended ${outcome.status}: ${outcome.error?.message}`);
  } finally {
    await store.close();
  }
}

describe("kill -9 at random points, then resume", () => {
  it(`gives dialogues identical to an uninterrupted run (${TRIALS} trials)`, async () => {
    expect(Object.keys(expected)).toHaveLength(6);
    const rng = createRng(20260101);
    const plan = Array.from({ length: TRIALS }, (_, i) => ({ i, killAt: rng.int(TOTAL), viaCli: i % 5 === 0 }));
    const results: Array<{ i: number; killedAt: number; midRun: boolean }> = [];
    const trial = async ({ i, killAt, viaCli }: (typeof plan)[number]) => {
      // A kill that lands after the child finished says nothing about resuming; when the child outran the poll,
      // try again in a fresh folder with an earlier kill point (halving reaches 0, which always lands mid-run).
      for (let point = killAt, attempt = 0; ; point = Math.floor(point / 2), attempt++) {
        const cwd = mkdtempSync(join(tmpdir(), `troupe-kill-${i}-${attempt}-`));
        const child = startTroupe([...args(), "--cassette", cassette, "--cassette-mode", "replay"], { cwd });
        await child.waitFor(/^run trial:/m, 600_000);
        let exited = false;
        void child.done.then(() => {
          exited = true;
        });
        while (!exited && committedTurns(cwd) < point) await new Promise((r) => setTimeout(r, 2));
        child.child.kill("SIGKILL");
        const end = await child.done;
        const killedAt = committedTurns(cwd);
        const midRun = end.signal === "SIGKILL" && killedAt < TOTAL;
        if (!midRun && point > 0) continue;
        results.push({ i, killedAt, midRun });
        if (viaCli) {
          const resumed = await runTroupe(
            ["bench", "resume", "trial", "--cassette", cassette, "--cassette-mode", "replay"],
            { cwd },
          );
          expect(resumed.code, resumed.stderr).toBe(0);
        } else {
          await resumeInProcess(cwd);
        }
        expect(committedTurns(cwd)).toBe(TOTAL);
        expect(await dialoguesIn(cwd)).toEqual(expected);
        return;
      }
    };
    const queue = [...plan];
    await Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        for (let next = queue.shift(); next; next = queue.shift()) await trial(next);
      }),
    );
    console.log(
      `kill points (committed turns of ${TOTAL}): ${results
        .map((r) => r.killedAt)
        .sort((a, b) => a - b)
        .join(", ")}`,
    );
    expect(results).toHaveLength(TRIALS);
    // Every kill landed mid-run (a trial whose child finished first was repeated with an earlier kill point).
    expect(results.filter((r) => r.midRun).length, JSON.stringify(results)).toBe(TRIALS);
  }, 1_200_000);
});
