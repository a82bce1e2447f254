import { afterEach, describe, expect, it, vi } from "vitest";
import {
  chatModelPlayer,
  createRun,
  DEFAULT_SIMULATOR_SETTINGS,
  type Dialogue,
  DialogueSchema,
  executeRun,
  getRun,
  listSessions,
  loadRunDialogues,
  loadSessionTurns,
  type Player,
  resolveSuite,
  runUsage,
  TurnConflictError,
} from "../../src/bench/index.ts";
import { TurnWriter } from "../../src/bench/turn-writer.ts";
import { type ChatModel, LlmError } from "../../src/llm/index.ts";
import { BackgroundUnavailableError, type Store } from "../../src/store/index.ts";
import { storeFactories, type TestStore } from "../support/stores.ts";
import { scriptedModel } from "./scripted-model.ts";

const suite = await resolveSuite("builtin-en");
const factories = await storeFactories();
let opened: TestStore[] = [];
afterEach(async () => {
  for (const s of opened) await s.cleanup();
  opened = [];
});

interface Setup {
  turns?: number;
  runs?: number;
  limit?: number;
  player?: Player;
  userModel?: ChatModel;
  budgetUsd?: number;
  personas?: Parameters<typeof createRun>[1]["personas"];
}

async function newRun(store: Store, o: Setup = {}) {
  const player = o.player ?? chatModelPlayer(scriptedModel("test:player"), { temperature: 0.8, maxTokens: 200 });
  const userModel = o.userModel ?? scriptedModel("test:user");
  const run = await createRun(store, {
    suite,
    scenarios: suite.scenarios.slice(0, o.limit ?? 2),
    player,
    userModel,
    userSpec: userModel.id,
    simulator: DEFAULT_SIMULATOR_SETTINGS,
    personas: o.personas ?? ["plain", "terse", "typos"],
    traps: ["silence", "speak-for-user"],
    runs: o.runs ?? 2,
    turns: o.turns ?? 10,
    seed: 7,
    concurrency: 3,
    ...(o.budgetUsd === undefined ? {} : { budgetUsd: o.budgetUsd }),
  });
  return { run, player, userModel };
}

const texts = (ds: Dialogue[]) =>
  Object.fromEntries(
    ds.map((d) => [`${d.seed_id}/${d.run_id}`, d.dialogue.map((t) => `${t.round}:${t.role}:${t.text}`)]),
  );

describe.each(factories)("bench runs on %s", (_name, open) => {
  it("produces exactly N+2 turns per session for R runs, in the official shape with metadata", async () => {
    const t = await open("bench_protocol");
    opened.push(t);
    const { run, player, userModel } = await newRun(t.store, { turns: 6 });
    const outcome = await executeRun(run.id, { store: t.store, player, userModel });
    expect(outcome.status).toBe("complete");
    expect(outcome.progress).toMatchObject({
      sessionsDone: 4,
      sessionsTotal: 4,
      turnsDone: 32,
      turnsTotal: 32,
      turnsAdded: 32,
    });
    const dialogues = await loadRunDialogues(t.store, run.id);
    expect(dialogues).toHaveLength(4);
    for (const d of dialogues) {
      DialogueSchema.parse(d);
      expect(d.num_turns).toBe(8);
      expect(d.dialogue.map((x) => x.role)).toEqual(["ai", "user", "ai", "user", "ai", "user", "ai", "user"]);
      const scenario = run.scenarios.find((s) => s.id === d.seed_id);
      expect(d.dialogue[0]?.text).toBe(scenario?.aiPrologue);
      expect(d.dialogue[1]?.text).toBe(scenario?.initialUserInput);
      expect(d.meta?.turns.map((m) => m.source)).toEqual([
        "script",
        "script",
        "player",
        "user-sim",
        "player",
        "user-sim",
        "player",
        "user-sim",
      ]);
      expect(d.meta?.user_simulator).toMatchObject({ prompt_version: "usersim-1", sees_card: false });
      expect(d.meta?.seeds.run).toBe(7);
      expect(d.model_name).toBe("test:player");
    }
    expect(new Set(dialogues.map((d) => d.run_id))).toEqual(new Set(["run_1", "run_2"]));
    const [a, b] = dialogues.filter((d) => d.seed_id === dialogues[0]?.seed_id);
    expect(a?.meta?.seeds.session).not.toBe(b?.meta?.seeds.session);
    expect(a?.dialogue[2]?.text).not.toBe(b?.dialogue[2]?.text);
    // Usage is per role, from what was committed.
    const usage = await runUsage(t.store, run.id);
    expect(usage.byRole.player.calls).toBe(12);
    expect(usage.byRole["user-sim"].calls).toBeLessThanOrEqual(12);
    expect(usage.byRole.player.prompt_tokens).toBeGreaterThan(0);
  });

  it("continues an interrupted run from its last committed turns to the same dialogues as an uninterrupted one", async () => {
    const t = await open("bench_resume");
    opened.push(t);
    const reference = await newRun(t.store, { turns: 12 });
    await executeRun(reference.run.id, { store: t.store, player: reference.player, userModel: reference.userModel });
    const expected = texts(await loadRunDialogues(t.store, reference.run.id));
    const { run, player, userModel } = await newRun(t.store, { turns: 12 });
    for (const stopAfter of [1, 7, 23]) {
      const controller = new AbortController();
      let seen = 0;
      const outcome = await executeRun(run.id, {
        store: t.store,
        player,
        userModel,
        signal: controller.signal,
        onProgress: () => {
          if (++seen === stopAfter) controller.abort(new Error("stop"));
        },
      });
      expect(outcome.status).toBe("interrupted");
    }
    const final = await executeRun(run.id, { store: t.store, player, userModel });
    expect(final.status).toBe("complete");
    expect(texts(await loadRunDialogues(t.store, run.id))).toEqual(expected);
    for (const s of await listSessions(t.store, run.id))
      expect((await loadSessionTurns(t.store, s.id)).length).toBe(14);
  });
});

describe("bench runs: budget, failures and conflicts", () => {
  const price = { input: 100, output: 100 };

  it("stops hard at the budget, stays resumable, and finishes identically with a larger budget", async () => {
    const t = await (factories[0] as (typeof factories)[0])[1]("budget");
    opened.push(t);
    const reference = await newRun(t.store, { turns: 10 });
    await executeRun(reference.run.id, { store: t.store, player: reference.player, userModel: reference.userModel });
    const expected = texts(await loadRunDialogues(t.store, reference.run.id));

    const { run, player, userModel } = await newRun(t.store, { turns: 10, budgetUsd: 0.5 });
    const first = await executeRun(run.id, { store: t.store, player, userModel, priceOf: () => price });
    expect(first.status).toBe("budget");
    expect(first.error).toMatchObject({ code: "bench.budget_exhausted" });
    const spent = (await runUsage(t.store, run.id)).costUsd;
    expect(spent).toBeGreaterThan(0.15);
    expect(spent).toBeLessThanOrEqual(0.5);
    expect((await getRun(t.store, run.id)).status).toBe("budget");
    const resumed = await executeRun(run.id, {
      store: t.store,
      player,
      userModel,
      priceOf: () => price,
      budgetUsd: 1000,
    });
    expect(resumed.status).toBe("complete");
    expect((await getRun(t.store, run.id)).config.budgetUsd).toBe(1000);
    expect(texts(await loadRunDialogues(t.store, run.id))).toEqual(expected);
  });

  it("runs at most `concurrency` sessions at once, and every session once", async () => {
    const t = await (factories[0] as (typeof factories)[0])[1]("pool");
    opened.push(t);
    // Every player call waits until the test lets it go: the sessions in flight are exactly those waiting.
    const waiting: Array<() => void> = [];
    const base = chatModelPlayer(scriptedModel("test:player"));
    const seen = new Set<string>();
    let inFlight = 0;
    let most = 0;
    const player: Player = {
      ...base,
      async nextTurn(input) {
        seen.add(String(input.tags?.["session"]));
        most = Math.max(most, ++inFlight);
        await new Promise<void>((r) => waiting.push(r));
        inFlight--;
        return base.nextTurn(input);
      },
    };
    const { run, userModel } = await newRun(t.store, { player, runs: 2, limit: 3, turns: 2 });
    const done = executeRun(run.id, { store: t.store, player, userModel, concurrency: 2 });
    let finished = false;
    void done.then(() => {
      finished = true;
    });
    // Two sessions start side by side (their first calls both wait) …
    while (waiting.length < 2) await new Promise((r) => setImmediate(r));
    // … and from then on each call is let go as it comes; no third session ever joins them.
    while (!finished) {
      if (waiting.length > 0) waiting.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    expect((await done).status).toBe("complete");
    expect(most).toBe(2);
    expect(seen.size).toBe(6);
  });

  it("refuses a budget it cannot price", async () => {
    const t = await (factories[0] as (typeof factories)[0])[1]("unpriced");
    opened.push(t);
    const { run, player, userModel } = await newRun(t.store, { budgetUsd: 1 });
    await expect(executeRun(run.id, { store: t.store, player, userModel })).rejects.toMatchObject({
      code: "bench.budget_unpriced",
    });
  });

  it("fails one session on a model error and stops the whole run on an error every session would hit", async () => {
    const t = await (factories[0] as (typeof factories)[0])[1]("failures");
    opened.push(t);
    let broken = true;
    const flaky = scriptedModel("test:user", {
      reply: (req) => {
        if (broken && JSON.stringify(req.messages).includes("Archivist Vell"))
          throw new LlmError("server", "upstream 503 after retries");
        return "I nod and keep listening.";
      },
    });
    const { run, player } = await newRun(t.store, { userModel: flaky, runs: 1 });
    const outcome = await executeRun(run.id, { store: t.store, player, userModel: flaky });
    expect(outcome.status).toBe("failed");
    expect(outcome.failures).toHaveLength(1);
    expect(outcome.failures[0]?.sessionId).toContain("en_builtin_002");
    expect(outcome.progress.sessionsDone).toBe(1);
    broken = false;
    expect((await executeRun(run.id, { store: t.store, player, userModel: flaky })).status).toBe("complete");

    const denied = scriptedModel("test:user", {
      reply: () => {
        throw new LlmError("auth", "invalid API key");
      },
    });
    const second = await newRun(t.store, { userModel: denied, runs: 2, limit: 3 });
    const stopped = await executeRun(second.run.id, { store: t.store, player: second.player, userModel: denied });
    expect(stopped.status).toBe("failed");
    expect(stopped.error).toMatchObject({ code: "llm.auth" });
    // Stopped early: not every session was attempted.
    expect(stopped.failures.length).toBeLessThan(6);
  });

  it("never stores two different turns for one round", async () => {
    const t = await (factories[0] as (typeof factories)[0])[1]("conflict");
    opened.push(t);
    const { run, player, userModel } = await newRun(t.store, { turns: 2, runs: 1, limit: 1 });
    await executeRun(run.id, { store: t.store, player, userModel });
    const [session] = await listSessions(t.store, run.id);
    const [, , turn] = await loadSessionTurns(t.store, session!.id);
    const single = new TurnWriter(t.store);
    await single.commit(run.id, session!.id, turn!.turn, turn!.meta, Date.now());
    await expect(
      single.commit(run.id, session!.id, { ...turn!.turn, text: "different" }, turn!.meta, Date.now()),
    ).rejects.toBeInstanceOf(TurnConflictError);
    expect(await loadSessionTurns(t.store, session!.id)).toHaveLength(4);
    // The group-commit writer used by sessions behaves the same, batch or not.
    const writer = new TurnWriter(t.store);
    await Promise.all([
      writer.commit(run.id, session!.id, turn!.turn, turn!.meta, Date.now()),
      expect(
        writer.commit(run.id, session!.id, { ...turn!.turn, text: "other" }, turn!.meta, Date.now()),
      ).rejects.toBeInstanceOf(TurnConflictError),
    ]);
    await expect(getRun(t.store, "no-such-run")).rejects.toMatchObject({ code: "bench.unknown_run" });
  });

  /** A fresh writer, with one committed generated turn of a finished run to hand it again. */
  const writerWithTurn = async (name: string) => {
    const t = await (factories[0] as (typeof factories)[0])[1](name);
    opened.push(t);
    const { run, player, userModel } = await newRun(t.store, { turns: 2, runs: 1, limit: 1 });
    await executeRun(run.id, { store: t.store, player, userModel });
    const [session] = await listSessions(t.store, run.id);
    const [, , turn] = await loadSessionTurns(t.store, session!.id);
    return { run, session: session!, turn: turn!, writer: new TurnWriter(t.store) };
  };

  it("writes turns on an SQLite store's background connection, and on the main one when that worker is gone", async () => {
    const { run, session, turn } = await writerWithTurn("background");
    const t = opened.at(-1) as TestStore;
    expect(t.store.dialect === "sqlite" ? t.store.background : "n/a").toBeDefined();
    if (!t.store.background) return;
    const real = t.store.background;
    let offThread = 0;
    const counted: Store = {
      ...t.store,
      background: {
        run: (sql, parameters) => {
          offThread++;
          return real.run(sql, parameters);
        },
      },
    };
    await new TurnWriter(counted).commit(run.id, session.id, { ...turn.turn, round: 40, text: "off" }, turn.meta, 0);
    expect(offThread).toBe(1);
    const gone: Store = { ...t.store, background: { run: () => Promise.reject(new BackgroundUnavailableError()) } };
    await new TurnWriter(gone).commit(run.id, session.id, { ...turn.turn, round: 42, text: "main" }, turn.meta, 0);
    const texts = (await loadSessionTurns(t.store, session.id)).map((s) => [s.turn.round, s.turn.text]);
    expect(texts.slice(-2)).toEqual([
      [40, "off"],
      [42, "main"],
    ]);
    // Any other failure of the background write is the write's failure, as on the main connection.
    const broken: Store = { ...t.store, background: { run: () => Promise.reject(new Error("disk I/O error")) } };
    await expect(
      new TurnWriter(broken).commit(run.id, session.id, { ...turn.turn, round: 44, text: "x" }, turn.meta, 0),
    ).rejects.toThrow("disk I/O error");
  });

  it("holds a batch open for a fifth of the typical call latency, and not at all once answers are instant", async () => {
    const { run, session, turn, writer } = await writerWithTurn("window");
    const commitWith = (latency: number) =>
      writer.commit(run.id, session.id, turn.turn, { ...turn.meta, attempts: 1, latency_ms: latency }, 0);
    expect(writer.windowMs).toBe(0);
    // 40 calls of 50 ms bring the moving average to ~49 ms: the window is ~10 ms.
    for (let i = 0; i < 40; i++) await commitWith(50);
    expect(writer.windowMs).toBeGreaterThan(9);
    // On a frozen clock, a commit lands only once its window has passed, whatever the machine's speed.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      let landed = false;
      const commit = commitWith(50).then(() => {
        landed = true;
      });
      const window = writer.windowMs;
      await vi.advanceTimersByTimeAsync(Math.floor(window) - 1);
      for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
      expect(landed).toBe(false);
      await vi.advanceTimersByTimeAsync(2);
      await commit;
      expect(landed).toBe(true);
    } finally {
      vi.useRealTimers();
    }
    // Replayed answers (latency 0) pull the average under 5 ms within a few dozen turns: no window at all.
    for (let i = 0; i < 30; i++) await commitWith(0);
    expect(writer.windowMs).toBe(0);
    // Scripted turns (no model call) leave the average alone.
    await writer.commit(run.id, session.id, turn.turn, { ...turn.meta, attempts: 0, latency_ms: 5000 }, 0);
    expect(writer.windowMs).toBe(0);
  });

  it("closes the open window at once when a session has to wait for its commit", async () => {
    const { run, session, turn, writer } = await writerWithTurn("hurry");
    const meta = { ...turn.meta, attempts: 1, latency_ms: 50 };
    for (let i = 0; i < 40; i++) await writer.commit(run.id, session.id, turn.turn, meta, 0);
    expect(writer.windowMs).toBeGreaterThan(9);
    // With the window's timer frozen, only hurry() can close the batch.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      let landed = false;
      const commit = writer.commit(run.id, session.id, turn.turn, meta, 0).then(() => {
        landed = true;
      });
      for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
      expect(landed).toBe(false);
      writer.hurry();
      await commit;
      expect(landed).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});
