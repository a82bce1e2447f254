import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  chatModelPlayer,
  createRun,
  DEFAULT_SIMULATOR_SETTINGS,
  type Dialogue,
  executeRun,
  loadRunDialogues,
  resolveSuite,
} from "../../src/bench/index.ts";
import { loadConfig, type TroupeConfig } from "../../src/core/index.ts";
import { resetEndpointStates, resolveModel } from "../../src/llm/index.ts";
import { type FakeLlmServer, startFakeLlmServer } from "../support/fake-llm-server.ts";
import { openTestSqlite, type TestStore } from "../support/stores.ts";

let server: FakeLlmServer;
const stores: TestStore[] = [];
beforeAll(async () => {
  server = await startFakeLlmServer({ latencyMs: 1 });
});
afterAll(async () => {
  for (const s of stores) await s.cleanup();
  await server.close();
  resetEndpointStates();
});

const texts = (ds: Dialogue[]) =>
  Object.fromEntries(
    ds.map((d) => [`${d.seed_id}/${d.run_id}`, d.dialogue.map((t) => `${t.round}:${t.role}:${t.text}`)]),
  );

async function benchOnce(config: TroupeConfig) {
  const t = await openTestSqlite();
  stores.push(t);
  const suite = await resolveSuite("builtin-zh");
  const options = { config, store: t.store, cache: false };
  const player = chatModelPlayer(await resolveModel(`${server.openaiBaseUrl}#npc`, options), { maxTokens: 200 }, "npc");
  const userModel = await resolveModel(`${server.openaiBaseUrl}#user`, options);
  const run = await createRun(t.store, {
    suite,
    scenarios: suite.scenarios.slice(0, 3),
    player,
    userModel,
    userSpec: "user",
    simulator: DEFAULT_SIMULATOR_SETTINGS,
    personas: ["plain", "verbose"],
    traps: ["silence", "contradict-fact"],
    runs: 2,
    turns: 20,
    seed: 3,
    concurrency: 6,
  });
  const outcome = await executeRun(run.id, { store: t.store, player, userModel });
  return { outcome, dialogues: await loadRunDialogues(t.store, run.id) };
}

describe("model faults during a run", () => {
  it("completes through 429s, 5xx, resets and truncated bodies, records the retries, and matches a fault-free run", async () => {
    const base = loadConfig({ env: {}, cwd: process.cwd() });
    const config: TroupeConfig = {
      ...base,
      retry: { maxRetries: 10, baseDelayMs: 5, maxDelayMs: 40, budget: 100_000 },
      concurrency: { initial: 6, max: 6 },
    };
    server.setOptions({ faults: undefined });
    const clean = await benchOnce(config);
    expect(clean.outcome.status).toBe("complete");
    const cleanRetries =
      clean.outcome.progress.byRole.player.retries + clean.outcome.progress.byRole["user-sim"].retries;
    expect(cleanRetries).toBe(0);

    server.reset();
    server.setOptions({
      faults: {
        rate: 0.18,
        seed: 11,
        retryAfterMs: 20,
        kinds: { rate_limit: 10, server_500: 2.5, server_503: 2.5, reset: 2, truncated_stream: 1 },
      },
    });
    const faulty = await benchOnce(config);
    server.setOptions({ faults: undefined });
    expect(faulty.outcome.status, faulty.outcome.failures.map((f) => f.error).join("; ")).toBe("complete");
    const injected = Object.values(server.stats.faults).reduce((a, b) => a + (b ?? 0), 0);
    expect(server.stats.faults.rate_limit ?? 0).toBeGreaterThan(10);
    expect((server.stats.faults.server_500 ?? 0) + (server.stats.faults.server_503 ?? 0)).toBeGreaterThan(3);
    expect(server.stats.faults.reset ?? 0).toBeGreaterThan(0);
    expect(server.stats.faults.truncated_stream ?? 0).toBeGreaterThan(0);
    // Every injected fault cost exactly one retry, and each retry is on the turn it delayed.
    const perTurn = faulty.dialogues.flatMap((d) => d.meta?.turns ?? []).reduce((n, m) => n + m.retries, 0);
    const byRole = faulty.outcome.progress.byRole.player.retries + faulty.outcome.progress.byRole["user-sim"].retries;
    expect(perTurn).toBe(injected);
    expect(byRole).toBe(injected);
    console.log(
      `faults injected: ${JSON.stringify(server.stats.faults)} over ${server.stats.requests} requests; retries recorded: ${perTurn}`,
    );
    expect(texts(faulty.dialogues)).toEqual(texts(clean.dialogues));
  }, 120_000);
});
