// Bench harness performance, both measured in this one run:
//  1. Efficiency: 285 sessions × 100 generated turns against the fake OpenAI-compatible server (its own process,
//     50 ms per answer) at concurrency 64, through the real stack (resolveModel: the openai client over the shared
//     undici transport, retry, adaptive concurrency, usage) with every turn committed to SQLite.
//     Ideal = ⌈285/64⌉ × 100 × 50 ms. Side by side: the same traffic as a bare keep-alive loop, over undici with the
//     same transport, and over node:http (what the transport itself costs on this fake server).
//  2. Harness CPU per generated turn at a 100-turn history, excluding the model: sessions already holding 100
//     committed turns generate 10 more with an instant in-process model; the same model answering the same number
//     of same-sized requests alone is measured side by side and subtracted.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { request } from "undici";
import {
  chatModelPlayer,
  createRun,
  DEFAULT_SIMULATOR_SETTINGS,
  executeRun,
  listSessions,
  type Player,
  resolveSuite,
  type Scenario,
} from "../src/bench/index.ts";
import { loadConfig } from "../src/core/index.ts";
import { createHttpTransport } from "../src/llm/http-transport.ts";
import type { ChatModel, ChatRequest, ChatResult } from "../src/llm/index.ts";
import { resetEndpointStates, resolveModel } from "../src/llm/index.ts";
import { openStore, type Store } from "../src/store/index.ts";
import type { PerfResult } from "./perf-result.ts";

const SESSIONS = Number(process.env["TROUPE_PERF_BENCH_SESSIONS"] ?? 285);
const TURNS = Number(process.env["TROUPE_PERF_BENCH_TURNS"] ?? 100);
const CONCURRENCY = 64;
const LATENCY_MS = 50;

async function startServer(): Promise<{ url: string; stop: () => void }> {
  const main = resolve(import.meta.dirname, "../test/support/fake-llm-server-main.ts");
  const child = spawn(
    process.execPath,
    ["--import", "tsx", main, "--latency-ms", String(LATENCY_MS), "--max-recorded", "0"],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const line = await new Promise<string>((res, rej) => {
    const rl = createInterface({ input: child.stdout });
    rl.once("line", res);
    child.once("exit", (code) => rej(new Error(`fake server exited ${code}`)));
  });
  return { url: line.trim(), stop: () => child.kill("SIGTERM") };
}

/** Scenarios enough for `n` sessions at 3 runs each, cycling the built-in suites. */
async function scenariosFor(n: number): Promise<Scenario[]> {
  const pool = [...(await resolveSuite("builtin-en")).scenarios, ...(await resolveSuite("builtin-zh")).scenarios];
  return Array.from({ length: Math.ceil(n / 3) }, (_, i) => ({
    ...(pool[i % pool.length] as Scenario),
    id: `perf_${i}`,
  }));
}

/** A perf run of `sessions` sessions (3 runs per scenario) and the ids of exactly that many of its sessions. */
async function perfRun(
  store: Store,
  player: Player,
  userModel: ChatModel,
  o: { sessions: number; turns: number; concurrency: number },
): Promise<{ runId: string; ids: string[] }> {
  const run = await createRun(store, {
    suite: { name: "perf", source: "perf", hash: "perf" },
    scenarios: await scenariosFor(o.sessions),
    player,
    userModel,
    userSpec: "user",
    simulator: DEFAULT_SIMULATOR_SETTINGS,
    personas: ["plain"],
    traps: [],
    runs: 3,
    turns: o.turns,
    seed: 1,
    concurrency: o.concurrency,
  });
  // Exactly `sessions` sessions (the scenario count rounds up to whole runs).
  const ids = (await listSessions(store, run.id)).slice(0, o.sessions).map((s) => s.id);
  return { runId: run.id, ids };
}

/**
 * The same traffic with no harness at all: each of `SESSIONS` loops sends `TURNS` growing conversations, 64 loops at
 * a time, over bare keep-alive HTTP: through an undici transport like troupe's (`undici.request`, no fetch, no
 * client), or through node:http with a keep-alive agent.
 */
async function bareLoop(url: string, via: "undici" | "node:http"): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY * 2 });
  const transport = createHttpTransport({ env: {} });
  const answer = (raw: string) =>
    (JSON.parse(raw) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content ?? "";
  const viaUndici = async (body: string) => {
    const res = await request(`${url}/chat/completions`, {
      method: "POST",
      dispatcher: transport.dispatcher,
      headers: { "content-type": "application/json" },
      body,
    });
    return answer(await res.body.text());
  };
  const viaNodeHttp = (body: string) =>
    new Promise<string>((resolve, reject) => {
      const req = http.request(
        `${url}/chat/completions`,
        {
          method: "POST",
          agent,
          headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve(answer(Buffer.concat(chunks).toString())));
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let s = next++; s < SESSIONS; s = next++) {
        const messages = [{ role: "system", content: `session ${s}` }];
        for (let t = 0; t < TURNS; t++) {
          const body = JSON.stringify({ model: t % 2 ? "user" : "npc", messages });
          const text = await (via === "undici" ? viaUndici(body) : viaNodeHttp(body));
          messages.push({ role: t % 2 ? "user" : "assistant", content: text });
        }
      }
    }),
  );
  const elapsed = performance.now() - started;
  agent.destroy();
  await transport.close();
  return elapsed;
}

export async function efficiency(): Promise<PerfResult> {
  const server = await startServer();
  const home = mkdtempSync(join(tmpdir(), "troupe-perf-bench-"));
  // The server is a separate process: it must not outlive a failure to open the store (it would keep running).
  const store = await openStore({ home }).catch((error: unknown) => {
    server.stop();
    throw error;
  });
  try {
    resetEndpointStates();
    const base = loadConfig({ env: {}, cwd: home });
    const config = { ...base, concurrency: { initial: CONCURRENCY, max: CONCURRENCY } };
    const player = chatModelPlayer(
      await resolveModel(`${server.url}#npc`, { config, store, cache: false }),
      { maxTokens: 256 },
      "npc",
    );
    const userModel = await resolveModel(`${server.url}#user`, { config, store, cache: false });
    const { runId, ids } = await perfRun(store, player, userModel, {
      sessions: SESSIONS,
      turns: TURNS,
      concurrency: CONCURRENCY,
    });
    const cpuBefore = process.cpuUsage();
    const eluBefore = performance.eventLoopUtilization();
    const started = performance.now();
    const outcome = await executeRun(runId, { store, player, userModel, sessionIds: ids });
    const wallMs = performance.now() - started;
    // How busy the one JavaScript thread was: near 1, every turn's next call queues behind other sessions' work.
    const eventLoopUtilization = performance.eventLoopUtilization(eluBefore).utilization;
    const cpu = process.cpuUsage(cpuBefore);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    if (outcome.progress.turnsAdded !== SESSIONS * (TURNS + 2))
      throw new Error(`perf run incomplete: ${outcome.status}`);
    const idealMs = Math.ceil(SESSIONS / CONCURRENCY) * TURNS * LATENCY_MS;
    const bareMs = await bareLoop(server.url, "undici");
    const nodeHttpMs = await bareLoop(server.url, "node:http");
    const calls = outcome.progress.byRole.player.calls + outcome.progress.byRole["user-sim"].calls;
    const ratio = idealMs / wallMs;
    return {
      name: `bench run efficiency (${SESSIONS} sessions × ${TURNS} turns, ${LATENCY_MS} ms endpoint, concurrency ${CONCURRENCY})`,
      ratio,
      unit: "ideal ÷ actual wall time; ideal = ⌈sessions/concurrency⌉ × turns × latency; higher is better",
      target: "≥ 0.95",
      pass: ratio >= 0.95,
      detail: {
        idealMs,
        wallMs,
        bareUndiciLoopMs: bareMs,
        bareUndiciLoopEfficiency: idealMs / bareMs,
        troupeVsBareUndici: bareMs / wallMs,
        bareNodeHttpLoopMs: nodeHttpMs,
        bareNodeHttpLoopEfficiency: idealMs / nodeHttpMs,
        calls,
        turnsPerSec: (outcome.progress.turnsAdded / wallMs) * 1000,
        cpuMsPerCall: cpuMs / calls,
        eventLoopUtilization,
      },
    };
  } finally {
    await store.close();
    server.stop();
    rmSync(home, { recursive: true, force: true });
  }
}

const VOCAB =
  "lamp fog rocks logbook harbour gull tide lantern rope stair window kettle map compass storm anchor letter bell candle shell".split(
    " ",
  );

/** A distinct sentence per call (so simulator QA sees no repeats), about 150 characters like a short reply. */
function sentence(n: number): string {
  let x = n * 2654435761;
  const words: string[] = [];
  for (let i = 0; i < 22; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    words.push(VOCAB[x % VOCAB.length] as string);
  }
  return `${words.join(" ")} ${n}.`;
}

/** An instant in-process model: a fixed reply, token counts from lengths, no I/O. */
function instantModel(id: string): ChatModel & { calls: number } {
  let calls = 0;
  const chat = async (request: ChatRequest): Promise<ChatResult> => {
    calls++;
    return {
      text: sentence(calls),
      finishReason: "stop",
      usage: { promptTokens: request.messages.length * 30, completionTokens: 25 },
      model: id,
      latencyMs: 0,
    };
  };
  return {
    id,
    provider: "test",
    get calls() {
      return calls;
    },
    chat,
    stream: () => {
      throw new Error("not used");
    },
  };
}

export async function harnessCpu(): Promise<PerfResult> {
  const home = mkdtempSync(join(tmpdir(), "troupe-perf-cpu-"));
  const store = await openStore({ home });
  const SESSIONS_CPU = 60;
  const FROM = 100;
  const TOTAL = 112;
  try {
    const npc = instantModel("instant:npc");
    const user = instantModel("instant:user");
    const player = chatModelPlayer(npc, { maxTokens: 256 }, "npc");
    const { runId, ids } = await perfRun(store, player, user, {
      sessions: SESSIONS_CPU,
      turns: TOTAL - 2,
      concurrency: 1,
    });
    // One session at a time, so the CPU spent between a session's 100th and 112th committed turn is exactly the
    // cost of generating turns at a 100-turn history (plus the instant model, measured alone below).
    let cpuMs = 0;
    let measuredTurns = 0;
    let calls = 0;
    let mark: NodeJS.CpuUsage | undefined;
    let callsAtMark = 0;
    let last = 0;
    await executeRun(runId, {
      store,
      player,
      userModel: user,
      sessionIds: ids,
      onProgress: (p) => {
        if (p.turnsAdded === last) return;
        last = p.turnsAdded;
        const inSession = ((p.turnsAdded - 1) % TOTAL) + 1;
        if (inSession === FROM) {
          mark = process.cpuUsage();
          callsAtMark = npc.calls + user.calls;
        } else if (inSession === TOTAL && mark) {
          const d = process.cpuUsage(mark);
          cpuMs += (d.user + d.system) / 1000;
          measuredTurns += TOTAL - FROM;
          calls += npc.calls + user.calls - callsAtMark;
          mark = undefined;
        }
      },
    });
    // The model alone, side by side: as many calls, with requests of the same size.
    const sample = [
      { role: "system" as const, content: (await scenariosFor(1))[0]?.aiSetting ?? "" },
      ...Array.from({ length: FROM + 6 }, (_, i) => ({
        role: (i % 2 ? "user" : "assistant") as "user" | "assistant",
        content: sentence(i),
      })),
    ];
    const lone = instantModel("instant:lone");
    const modelBefore = process.cpuUsage();
    for (let i = 0; i < calls; i++) await lone.chat({ messages: sample });
    const modelSpent = process.cpuUsage(modelBefore);
    const modelMs = (modelSpent.user + modelSpent.system) / 1000;
    const perTurn = (cpuMs - modelMs) / measuredTurns;
    return {
      name: "bench harness CPU per generated turn at a 100-turn history (excluding the model)",
      ratio: perTurn,
      unit: "ms of CPU per turn (prompt building, simulator QA, budget, group commit to SQLite, progress); lower is better",
      target: "< 0.5",
      pass: perTurn < 0.5,
      detail: { measuredTurns, harnessAndModelCpuMs: cpuMs, modelAloneCpuMs: modelMs, modelCalls: calls },
    };
  } finally {
    await store.close();
    rmSync(home, { recursive: true, force: true });
  }
}

/**
 * The same run with an in-process model that answers after 50 ms (no HTTP, no provider): what the harness's own
 * scheduling, prompt building, simulator QA and commits cost at 64 sessions, without the HTTP client.
 */
export async function harnessEfficiency(): Promise<PerfResult> {
  const home = mkdtempSync(join(tmpdir(), "troupe-perf-harness-"));
  const store = await openStore({ home });
  try {
    const slow = (id: string): ChatModel => {
      const inner = instantModel(id);
      return {
        ...inner,
        chat: async (request) => {
          await new Promise((r) => setTimeout(r, LATENCY_MS));
          return inner.chat(request);
        },
      };
    };
    const player = chatModelPlayer(slow("slow:npc"), { maxTokens: 256 }, "npc");
    const userModel = slow("slow:user");
    const { runId, ids } = await perfRun(store, player, userModel, {
      sessions: SESSIONS,
      turns: TURNS,
      concurrency: CONCURRENCY,
    });
    const started = performance.now();
    const outcome = await executeRun(runId, { store, player, userModel, sessionIds: ids });
    const wallMs = performance.now() - started;
    const idealMs = Math.ceil(SESSIONS / CONCURRENCY) * TURNS * LATENCY_MS;
    return {
      name: `bench run efficiency, harness alone (in-process ${LATENCY_MS} ms model, no HTTP client)`,
      ratio: idealMs / wallMs,
      unit: "ideal ÷ actual wall time; isolates the harness from the provider's HTTP client; higher is better",
      detail: { idealMs, wallMs, turns: outcome.progress.turnsAdded },
    };
  } finally {
    await store.close();
    rmSync(home, { recursive: true, force: true });
  }
}

export default async function run(): Promise<PerfResult[]> {
  const cpu = await harnessCpu();
  const alone = await harnessEfficiency();
  const eff = await efficiency();
  return [eff, alone, cpu];
}
