/**
 * Run the fake LLM server as its own process, for CLI tests and kill -9 trials:
 *
 *   npx tsx test/support/fake-llm-server-main.ts [--port 0] [--preset auto|hash|echo|json] [--latency-ms 0]
 *     [--fault-rate 0] [--fault-seed 0] [--faults rate_limit,server_500,…] [--retry-after-ms 50] [--slow-ms 1500]
 *     [--api-key KEY] [--script replies.json] [--max-recorded 1000] [--reply-tokens N] [--token-interval-ms 0]
 *
 * Every option can also come from the environment: FAKE_LLM_PORT, FAKE_LLM_PRESET, FAKE_LLM_LATENCY_MS,
 * FAKE_LLM_FAULT_RATE, FAKE_LLM_FAULT_SEED, FAKE_LLM_FAULTS, FAKE_LLM_RETRY_AFTER_MS, FAKE_LLM_SLOW_MS,
 * FAKE_LLM_API_KEY, FAKE_LLM_SCRIPT, FAKE_LLM_MAX_RECORDED (flags win). `--script` is a JSON array of replies by
 * call index (strings, FakeReply objects or FakeFault objects); after it runs out, the preset answers.
 * `--reply-tokens N` answers every call with the same N four-character pieces, streamed as N chunks,
 * `--token-interval-ms` apart (default 0: in one write).
 *
 * The first line on stdout is the OpenAI base URL (`http://127.0.0.1:PORT/v1`); the MiniMax provider accepts the
 * same URL as MINIMAX_BASE_URL. `GET /__fake/stats` returns the call count and recent requests. SIGTERM/SIGINT
 * close it.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import {
  type FakeFaultKind,
  type FakeLlmServerOptions,
  type FakeReplySpec,
  presets,
  sequence,
  startFakeLlmServer,
} from "./fake-llm-server.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    host: { type: "string" },
    preset: { type: "string" },
    "latency-ms": { type: "string" },
    "fault-rate": { type: "string" },
    "fault-seed": { type: "string" },
    faults: { type: "string" },
    "retry-after-ms": { type: "string" },
    "slow-ms": { type: "string" },
    "api-key": { type: "string" },
    script: { type: "string" },
    "max-recorded": { type: "string" },
    "reply-tokens": { type: "string" },
    "token-interval-ms": { type: "string" },
  },
});

const env = process.env;
const pick = (flag: string | undefined, name: string): string | undefined => flag ?? env[`FAKE_LLM_${name}`];
const num = (value: string | undefined): number | undefined => (value === undefined ? undefined : Number(value));

const presetName = (pick(values.preset, "PRESET") ?? "auto") as keyof typeof presets;
const preset = presets[presetName];
if (!preset) {
  process.stderr.write(`unknown preset "${presetName}" (use ${Object.keys(presets).join(", ")})\n`);
  process.exit(2);
}
const scriptFile = pick(values.script, "SCRIPT");
const script = scriptFile ? (JSON.parse(readFileSync(scriptFile, "utf8")) as FakeReplySpec[]) : undefined;
const faultRate = num(pick(values["fault-rate"], "FAULT_RATE")) ?? 0;
const faultKinds = pick(values.faults, "FAULTS");
// A fixed reply of N four-character pieces streamed as N chunks: the serving benchmark's "200 streamed tokens".
const replyTokens = num(pick(values["reply-tokens"], "REPLY_TOKENS"));
const tokenIntervalMs = num(pick(values["token-interval-ms"], "TOKEN_INTERVAL_MS")) ?? 0;
const fixed = replyTokens
  ? () => ({
      text: Array.from({ length: replyTokens }, (_, i) => `w${String(i % 100).padStart(2, "0")} `).join(""),
      chunkChars: 4,
      chunkIntervalMs: tokenIntervalMs,
    })
  : undefined;
const options: FakeLlmServerOptions = {
  reply: fixed ?? (script ? sequence(script, preset) : preset),
  latencyMs: num(pick(values["latency-ms"], "LATENCY_MS")) ?? 0,
  port: num(pick(values.port, "PORT")) ?? 0,
  host: pick(values.host, "HOST") ?? "127.0.0.1",
  maxRecorded: num(pick(values["max-recorded"], "MAX_RECORDED")) ?? 1000,
};
const apiKey = pick(values["api-key"], "API_KEY");
if (apiKey) options.apiKey = apiKey;
if (faultRate > 0) {
  options.faults = {
    rate: faultRate,
    seed: num(pick(values["fault-seed"], "FAULT_SEED")) ?? 0,
    ...(faultKinds ? { kinds: faultKinds.split(",").map((k) => k.trim()) as FakeFaultKind[] } : {}),
    ...(pick(values["retry-after-ms"], "RETRY_AFTER_MS")
      ? { retryAfterMs: num(pick(values["retry-after-ms"], "RETRY_AFTER_MS")) }
      : {}),
    ...(pick(values["slow-ms"], "SLOW_MS") ? { slowMs: num(pick(values["slow-ms"], "SLOW_MS")) } : {}),
  };
}

const server = await startFakeLlmServer(options);
process.stdout.write(`${server.openaiBaseUrl}\n`);
const stop = () => {
  server.close().then(() => process.exit(0));
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
