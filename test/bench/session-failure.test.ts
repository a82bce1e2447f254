import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  chatModelPlayer,
  createRun,
  DEFAULT_SIMULATOR_SETTINGS,
  executeRun,
  failureScope,
  getRun,
  listSessions,
  loadRunDialogues,
  resolveSuite,
  SessionTurnError,
} from "../../src/bench/index.ts";
import { loadConfig, type TroupeConfig } from "../../src/core/index.ts";
import { LlmError, resetEndpointStates, resolveModel } from "../../src/llm/index.ts";
import { type FakeLlmServer, type FakeRequest, presets, startFakeLlmServer } from "../support/fake-llm-server.ts";
import { openTestSqlite, type TestStore } from "../support/stores.ts";

// A session-level error (one dialogue outgrew the model's context) must fail that session only, with its reason;
// the other sessions go on, and a resume retries just the failed one. The fake server plays a model whose context
// holds 8 messages, and only the "Maren Holt" scenario's player prompts ever grow past it.
const OVERFLOW = {
  fault: "http" as const,
  status: 400,
  message: "This model's maximum context length is 2048 tokens. However, your messages resulted in 2301 tokens.",
};
const overflows = (req: FakeRequest) =>
  req.model === "npc" && String(req.messages[0]?.content).includes("Maren Holt") && req.messages.length > 8;

let server: FakeLlmServer;
const stores: TestStore[] = [];
const suite = await resolveSuite("builtin-en");
beforeAll(async () => {
  server = await startFakeLlmServer({ reply: (req, i) => (overflows(req) ? OVERFLOW : presets.auto(req, i)) });
});
afterEach(() => resetEndpointStates());
afterAll(async () => {
  for (const s of stores) await s.cleanup();
  await server.close();
});

const config = (): TroupeConfig => ({
  ...loadConfig({ env: {}, cwd: process.cwd() }),
  retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 2, budget: 1000 },
});

async function setup(options: { contextStrategy?: "full" | `window:${number}`; limit?: number } = {}) {
  const t = await openTestSqlite();
  stores.push(t);
  const models = { config: config(), store: t.store, cache: false };
  const player = chatModelPlayer(await resolveModel(`${server.openaiBaseUrl}#npc`, models), { maxTokens: 64 }, "npc");
  const userModel = await resolveModel(`${server.openaiBaseUrl}#user`, models);
  const run = await createRun(t.store, {
    suite,
    // Maren Holt first, and one session at a time: a run stopped by her session never reaches the others.
    scenarios: suite.scenarios.slice(0, options.limit ?? 3),
    player,
    userModel,
    userSpec: "user",
    simulator: DEFAULT_SIMULATOR_SETTINGS,
    personas: ["plain"],
    traps: [],
    runs: 1,
    turns: 10,
    seed: 5,
    concurrency: 1,
    ...(options.contextStrategy ? { contextStrategy: options.contextStrategy } : {}),
  });
  return { store: t.store, run, player, userModel };
}

describe("a session whose dialogue outgrows the model's context", () => {
  it("fails that session only, with its round and reason; the others finish, and resume retries only it", async () => {
    const { store, run, player, userModel } = await setup();
    const outcome = await executeRun(run.id, { store, player, userModel });
    expect(outcome.status).toBe("failed");
    expect(outcome.error).toBeUndefined();
    expect(outcome.progress).toMatchObject({ sessionsDone: 2, sessionsTotal: 3, sessionsFailed: 1 });
    expect(outcome.failures).toHaveLength(1);
    const [failure] = outcome.failures;
    expect(failure?.sessionId).toContain("en_builtin_001");
    expect(failure?.error).toMatch(/^round 8 \(model under test\): .*maximum context length is 2048/);
    expect(failure?.hint).toMatch(/--context-strategy window:<k>/);
    const sessions = await listSessions(store, run.id);
    expect(sessions.map((s) => s.status)).toEqual(["failed", "complete", "complete"]);
    expect(sessions[0]?.error).toMatch(/round 8 .*maximum context length/);
    const stored = await getRun(store, run.id);
    expect(stored.status).toBe("failed");
    expect(stored.error).toBe("1 session(s) failed");

    // Resume: the run does not fail at once; the failed session is tried again (and fails the same way).
    const calls = server.callCount;
    const again = await executeRun(run.id, { store, player, userModel });
    expect(again.status).toBe("failed");
    expect(again.failures.map((f) => f.sessionId)).toEqual([failure?.sessionId]);
    expect(again.progress.sessionsDone).toBe(2);
    // Only the one session's next player turn was asked for (its committed turns are kept).
    expect(server.callCount - calls).toBe(1);

    // The export carries the failed session as such, with its reason, beside the complete ones.
    const exported = await loadRunDialogues(store, run.id, { includePartial: true });
    const failed = exported.find((d) => d.seed_id === "en_builtin_001");
    expect(failed?.meta?.status).toBe("failed");
    expect(failed?.meta?.["error"]).toMatch(/maximum context length/);
    expect(failed?.num_turns).toBe(8);
  });

  it("fits with --context-strategy window:k, which keeps the card, the opening exchange and the last k turns", async () => {
    const { store, run, player, userModel } = await setup({ contextStrategy: "window:4", limit: 1 });
    const before = server.requests.length;
    const outcome = await executeRun(run.id, { store, player, userModel });
    expect(outcome.status, JSON.stringify(outcome.failures)).toBe("complete");
    const [dialogue] = await loadRunDialogues(store, run.id);
    const turns = dialogue?.dialogue ?? [];
    // The last player call (round 10) saw: the card, rounds 0 and 1, then rounds 6 to 9.
    const last = server.requests
      .slice(before)
      .filter((r) => r.model === "npc")
      .at(-1);
    expect(last?.messages.map((m) => m.content)).toEqual([
      expect.stringContaining("Maren Holt"),
      turns[0]?.text,
      turns[1]?.text,
      ...turns.slice(6, 10).map((t) => t.text),
    ]);
    expect(last?.messages.map((m) => m.role)).toEqual([
      "system",
      "assistant",
      "user",
      "assistant",
      "user",
      "assistant",
      "user",
    ]);
    expect((await getRun(store, run.id)).config.contextStrategy).toBe("window:4");
    expect(dialogue?.meta?.["context_strategy"]).toBe("window:4");
  });

  it("stops the whole run on a rejected request the model never accepted (every session would hit it)", async () => {
    const { store, run, userModel } = await setup();
    const t = stores.at(-1) as TestStore;
    const models = { config: config(), store: t.store, cache: false };
    server.setReply(() => ({ fault: "http", status: 400, message: "Unsupported parameter: 'temperature'" }));
    try {
      const player = chatModelPlayer(await resolveModel(`${server.openaiBaseUrl}#npc`, models), {}, "npc");
      const outcome = await executeRun(run.id, { store, player, userModel });
      expect(outcome.status).toBe("failed");
      expect(outcome.error).toMatchObject({ code: "llm.invalid_request" });
      expect(outcome.failures).toHaveLength(1);
      expect((await listSessions(store, run.id)).map((s) => s.status)).toEqual(["failed", "pending", "pending"]);
    } finally {
      server.setReply((req, i) => (overflows(req) ? OVERFLOW : presets.auto(req, i)));
    }
  });
});

describe("failureScope", () => {
  const turn = (error: unknown) => new SessionTurnError("player", 12, error);
  it("stops the run for errors every session would hit, and fails one session otherwise", () => {
    expect(failureScope(turn(new LlmError("auth", "bad key")), true)).toBe("run");
    expect(failureScope(turn(new LlmError("balance", "no credit")), true)).toBe("run");
    expect(failureScope(turn(new LlmError("unreachable", "ECONNREFUSED")), true)).toBe("run");
    expect(failureScope(turn(new LlmError("invalid_request", "Unsupported parameter")), false)).toBe("run");
    expect(failureScope(turn(new LlmError("invalid_request", "Unsupported parameter")), true)).toBe("session");
    const overflow = new LlmError("invalid_request", "The conversation is 300 tokens, but the context of x holds 256.");
    expect(failureScope(turn(overflow), false)).toBe("session");
    expect(failureScope(turn(new LlmError("content_flagged", "flagged")), false)).toBe("session");
    expect(failureScope(turn(new LlmError("server", "503 after retries")), false)).toBe("session");
    expect(failureScope(new Error("anything else"), false)).toBe("session");
  });
});
