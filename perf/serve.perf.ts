// Serving overhead, measured side by side in this one run: 64 concurrent streamed completions, each against the
// fake OpenAI-compatible server in its own process (50 ms before the answer, 200 streamed pieces, sent at once or
// 5 ms apart), either directly or through `troupe serve` (the built CLI, its own process, SQLite store). Through troupe the model is a character
// with a 10,000-entry lorebook and a world of 10,000 facts, and every request carries a 1,000-turn history, so the
// figure includes authentication, rate limiting, prompt assembly (card, lore activation, world memory), the upstream
// call, re-encoding the stream and the candidate log. Direct and troupe phases alternate, so machine noise lands on
// both. Added latency = p99(troupe) − p99(direct) of the time to the last byte; throughput = completed streams per
// second through troupe ÷ directly.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { Agent, request } from "undici";
import { openStore } from "../src/store/index.ts";
import { type PerfResult, percentile } from "./perf-result.ts";
import { seedServeFixture } from "./serve-fixture.ts";

const CONCURRENCY = 64;
const LATENCY_MS = 50;
const TOKENS = 200;
const HISTORY_TURNS = 1_000;
const PER_PHASE = Number(process.env["TROUPE_PERF_SERVE_REQUESTS"] ?? 640);
const PHASES = 2;
const ROOT = resolve(import.meta.dirname, "..");

/** Start a child that prints a URL on its first matching stdout line. */
async function startChild(
  args: string[],
  env: NodeJS.ProcessEnv,
  pattern: RegExp,
): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise<string>((res, rej) => {
    const rl = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    rl.on("line", (line) => {
      const m = pattern.exec(line);
      if (m) res(m[1] as string);
    });
    child.once("exit", (code) => rej(new Error(`${args.join(" ")} exited with ${code}`)));
  });
  return { url, child };
}

/** A 1,000-turn conversation as an OpenAI client would send it. */
function history(): Array<{ role: "user" | "assistant"; content: string }> {
  return Array.from({ length: HISTORY_TURNS }, (_, i) => ({
    role: i % 2 === 0 ? ("user" as const) : ("assistant" as const),
    content:
      i % 2 === 0
        ? `Turn ${i}: I walk along the harbour wall and ask about the ship that came in at dawn.`
        : `Turn ${i}: Mira shades her eyes. "The Gull? She limped in on one mast, and nobody aboard will talk."`,
  }));
}

/** Run `total` streamed requests, `CONCURRENCY` at a time; returns each request's time to the last byte (ms). */
async function load(
  agent: Agent,
  url: string,
  key: string | undefined,
  body: string,
  total: number,
): Promise<{ latencies: number[]; seconds: number; errors: number }> {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < total) {
      next++;
      const t0 = performance.now();
      try {
        const res = await request(`${url}/chat/completions`, {
          method: "POST",
          dispatcher: agent,
          headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
          body,
        });
        const text = await res.body.text();
        if (res.statusCode !== 200 || !text.includes("[DONE]")) errors++;
        else latencies.push(performance.now() - t0);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { latencies, seconds: (performance.now() - started) / 1000, errors };
}

/** One scenario: the fake upstream (burst or paced tokens) and troupe serve in front of it, measured side by side. */
async function scenario(
  home: string,
  model: (url: string) => string,
  key: string,
  tokenIntervalMs: number,
  label: string,
): Promise<PerfResult[]> {
  const fake = await startChild(
    [
      "--import",
      "tsx",
      "test/support/fake-llm-server-main.ts",
      "--latency-ms",
      String(LATENCY_MS),
      "--reply-tokens",
      String(TOKENS),
      "--token-interval-ms",
      String(tokenIntervalMs),
      "--max-recorded",
      "0",
    ],
    process.env,
    /^(http:\/\/\S+)$/,
  );
  // The benchmark's one key sends thousands of requests a minute: lift the per-key rate limit for it.
  const config = join(home, "troupe.config.yaml");
  writeFileSync(config, "serve:\n  rateLimitPerMinute: 10000000\n");
  const troupe = await startChild(
    [join(ROOT, "bin/troupe.js"), "--config", config, "serve", "--port", "0", "--model", `${fake.url}#fake`],
    { ...process.env, TROUPE_HOME: home, TROUPE_LOG_LEVEL: "error" },
    /listening on (http:\/\/\S+)/,
  );
  const agent = new Agent({ connections: CONCURRENCY * 2, keepAliveTimeout: 30_000 });
  const turns = history();
  const directBody = JSON.stringify({ model: "fake", stream: true, messages: turns });
  const troupeBody = JSON.stringify({ model: model(fake.url), stream: true, messages: turns });
  try {
    // Warm both paths (JIT, connection pools, the compiled lorebook and the world's projection).
    await load(agent, fake.url, undefined, directBody, CONCURRENCY);
    await load(agent, `${troupe.url}/v1`, key, troupeBody, CONCURRENCY);
    const direct = { latencies: [] as number[], seconds: 0, errors: 0 };
    const through = { latencies: [] as number[], seconds: 0, errors: 0 };
    for (let phase = 0; phase < PHASES; phase++) {
      for (const [into, url, k, body] of [
        [direct, fake.url, undefined, directBody],
        [through, `${troupe.url}/v1`, key, troupeBody],
      ] as const) {
        const r = await load(agent, url, k, body, PER_PHASE);
        into.latencies.push(...r.latencies);
        into.seconds += r.seconds;
        into.errors += r.errors;
      }
    }
    const p99Direct = percentile(direct.latencies, 99);
    const p99Troupe = percentile(through.latencies, 99);
    const added = p99Troupe - p99Direct;
    const throughput = through.latencies.length / through.seconds / (direct.latencies.length / direct.seconds);
    const detail = {
      concurrency: CONCURRENCY,
      requestsPerPath: PER_PHASE * PHASES,
      tokenIntervalMs,
      p50DirectMs: percentile(direct.latencies, 50),
      p50TroupeMs: percentile(through.latencies, 50),
      p99DirectMs: p99Direct,
      p99TroupeMs: p99Troupe,
      errorsDirect: direct.errors,
      errorsTroupe: through.errors,
      historyTurns: HISTORY_TURNS,
    };
    return [
      {
        name: `serve (${label}): added p99 latency, 64 concurrent streams, world-backed character`,
        ratio: added,
        unit: "ms, p99(troupe serve) − p99(direct) to the last byte",
        target: "< 5 ms",
        pass: added < 5 && through.errors === 0,
        detail,
      },
      {
        name: `serve (${label}): throughput through troupe serve vs direct`,
        ratio: throughput,
        unit: "streams per second, troupe ÷ direct",
        target: "≥ 0.9",
        pass: throughput >= 0.9 && through.errors === 0,
        detail,
      },
    ];
  } finally {
    await agent.close();
    troupe.child.kill("SIGTERM");
    fake.child.kill("SIGTERM");
    await new Promise((r) => troupe.child.once("exit", r));
  }
}

export default async function servePerf(): Promise<PerfResult[]> {
  if (!existsSync(join(ROOT, "dist/troupe.js")))
    throw new Error("serve perf runs the built CLI: run `npm run build` first");
  const home = mkdtempSync(join(tmpdir(), "troupe-serve-perf-"));
  try {
    const store = await openStore({ home });
    const seeded = await seedServeFixture(store);
    await store.close();
    const world = () => seeded.model;
    return [
      // Every token of the answer in one packet 50 ms after the request: the most CPU per second troupe can face.
      ...(await scenario(home, world, seeded.key, 0, "burst: 200 tokens at once after 50 ms")),
      // Tokens as a model emits them: 50 ms to the first, then one every 5 ms (a one-second answer).
      ...(await scenario(home, world, seeded.key, 5, "paced: 200 tokens 5 ms apart after 50 ms")),
    ];
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
