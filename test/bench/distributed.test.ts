import { mkdtempSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Dialogue, listSessions, loadRunDialogues, readRunProgress, runUsage } from "../../src/bench/index.ts";
import { openStore, type Store } from "../../src/store/index.ts";
import { type FakeLlmServer, presets, startFakeLlmServer } from "../support/fake-llm-server.ts";
import { freshPostgresSchema, postgresAvailable } from "../support/postgres.ts";
import { redisAvailable, TEST_REDIS_URL } from "../support/redis.ts";
import { runTroupe, startTroupe, type TroupeProcess } from "../support/troupe-process.ts";
import { waitUntil } from "../support/wait-until.ts";

const REDIS_URL = TEST_REDIS_URL;

const ready = (await postgresAvailable()) && (await redisAvailable());
const texts = (ds: Dialogue[]) =>
  Object.fromEntries(
    ds.map((d) => [`${d.seed_id}/${d.run_id}`, d.dialogue.map((t) => `${t.round}:${t.role}:${t.text}`)]),
  );

/**
 * A fake model that answers only as many calls as it is allowed (`step`), holding the rest: the test moves the
 * workers forward a few calls at a time and looks at the database while nothing moves, instead of racing them.
 */
async function steppedServer() {
  let allowed = 0;
  let answered = 0;
  let waiters: Array<() => void> = [];
  const wake = () => {
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  const server = await startFakeLlmServer({
    reply: async (req, i) => {
      while (allowed <= 0) await new Promise<void>((r) => waiters.push(r));
      allowed--;
      answered++;
      return presets.auto(req, i);
    },
  });
  return {
    server,
    get answered() {
      return answered;
    },
    /** Let n more calls through. */
    step(n: number) {
      allowed += n;
      wake();
    },
    /** Let every call through from now on. */
    free() {
      allowed = Number.POSITIVE_INFINITY;
      wake();
    },
  };
}

describe.skipIf(!ready)("distributed bench: BullMQ on Redis, results in PostgreSQL", () => {
  let stepped: Awaited<ReturnType<typeof steppedServer>>;
  let server: FakeLlmServer;
  let schema: Awaited<ReturnType<typeof freshPostgresSchema>>;
  let store: Store;
  const queueName = `troupe-test-${process.pid}-${Date.now().toString(36)}`;
  const workers: TroupeProcess[] = [];

  beforeAll(async () => {
    stepped = await steppedServer();
    server = stepped.server;
    schema = await freshPostgresSchema("bench_dist");
    store = await openStore({ databaseUrl: schema.url, poolSize: 2 });
  });
  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill("SIGKILL");
    await store?.close();
    await schema?.drop();
    const queue = new Queue(queueName, { connection: { url: REDIS_URL } });
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
    await server?.close();
  });

  it("two workers share the sessions; a killed worker's session is taken over with no turn lost or duplicated", async () => {
    const flags = [
      "--suite",
      "builtin-en",
      "--limit",
      "2",
      "--runs",
      "2",
      "--turns",
      "24",
      "--model",
      `${server.openaiBaseUrl}#npc`,
      "--user-model",
      `${server.openaiBaseUrl}#user`,
    ];
    const env = { DATABASE_URL: schema.url };
    const cwd = mkdtempSync(join(tmpdir(), "troupe-dist-"));
    // The coordinator queues the sessions and watches the shared database until the workers are done.
    const coordinator = startTroupe(
      ["bench", "run", ...flags, "--queue", REDIS_URL, "--queue-name", queueName, "--id", "dist"],
      { cwd, env },
    );
    workers.push(coordinator);
    await coordinator.waitFor(/queued 4 session job\(s\) for run dist/, 600_000);

    const workerArgs = [
      "worker",
      "--queue",
      REDIS_URL,
      "--queue-name",
      queueName,
      "--concurrency",
      "1",
      "--lock-ms",
      "2000",
      "--stalled-ms",
      "1000",
    ];
    const a = startTroupe(workerArgs, { cwd, env });
    const b = startTroupe(workerArgs, { cwd, env });
    workers.push(a, b);
    const nameA = `${hostname()}:${a.child.pid}`;
    const nameB = `${hostname()}:${b.child.pid}`;
    await Promise.all([a.waitFor(/waiting for sessions/, 600_000), b.waitFor(/waiting for sessions/, 600_000)]);

    // Kill worker A -9 in the middle of a session it is generating: move the workers two calls at a time, and
    // look while the model holds every call, so the session seen mid-way is still mid-way when A dies.
    let victim: string | undefined;
    while (!victim) {
      const target = stepped.answered + 2;
      stepped.step(2);
      await waitUntil(() => stepped.answered >= target, 20);
      const { sessions } = await readRunProgress(store, "dist");
      const usage = await runUsage(store, "dist");
      victim = sessions.find(
        (s) => s.worker === nameA && s.status === "running" && (usage.turnsBySession.get(s.id) ?? 0) >= 4,
      )?.id;
    }
    a.child.kill("SIGKILL");
    expect((await a.done).signal).toBe("SIGKILL");
    expect((await runUsage(store, "dist")).turnsBySession.get(victim)).toBeLessThan(26);
    stepped.free();

    // The coordinator watches the shared database until every session is done (B takes A's over once its lock
    // runs out), then exits.
    const watched = await coordinator.done;
    expect(watched.code, watched.stderr).toBe(0);
    expect(watched.stdout).toMatch(/run dist: complete · 4\/4 sessions · 104\/104 turns/);
    const progress = await readRunProgress(store, "dist");
    expect(progress.progress.sessionsDone).toBe(4);
    expect(progress.progress.turnsDone).toBe(4 * 26);
    const sessions = await listSessions(store, "dist");
    expect(sessions.find((s) => s.id === victim)?.worker).toBe(nameB);
    expect(progress.run.status).toBe("complete");

    // The same run generated locally, without queue or workers, gives the same dialogues.
    const localCwd = mkdtempSync(join(tmpdir(), "troupe-dist-local-"));
    const local = await runTroupe(["bench", "run", ...flags, "--id", "local"], { cwd: localCwd });
    expect(local.code, local.stderr).toBe(0);
    const localStore = await openStore({ home: join(localCwd, ".troupe") });
    const expectedLocal = texts(await loadRunDialogues(localStore, "local"));
    await localStore.close();
    const distributed = texts(await loadRunDialogues(store, "dist"));
    expect(Object.keys(distributed)).toHaveLength(4);
    expect(distributed).toEqual(expectedLocal);

    b.child.kill("SIGTERM");
    const stopped = await b.done;
    expect(stopped.code).toBe(0);
    expect(stopped.stderr).toMatch(/stopping/);
  }, 900_000);
});
