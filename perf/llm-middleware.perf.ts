// Overhead of one model call through troupe's whole middleware stack (defaults, usage and cost, response cache in
// SQLite, retry, adaptive concurrency, provider) against a direct call with the official `openai` client over the
// same shared undici transport (so the ratio is the middleware's, not the transport's), both to the same fake
// OpenAI-compatible server in this process. Calls are sequential and interleaved (direct, stack,
// stack without store, in rotating order) so drift on a shared machine hits every variant alike; each call sends a
// new 20-message conversation, so the cache is always missed and written — the cost a fresh bench run pays.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { fetch as undiciFetch } from "undici";
import { loadConfig } from "../src/core/index.ts";
import { sharedHttpTransport } from "../src/llm/http-transport.ts";
import { type ChatMessage, resetEndpointStates, resolveModel, UsageMeter } from "../src/llm/index.ts";
import { openStore } from "../src/store/index.ts";
import { startFakeLlmServer } from "../test/support/fake-llm-server.ts";
import { median, type PerfResult, percentile } from "./perf-result.ts";

const WARMUP = 40;
const ROUNDS = Number(process.env["TROUPE_PERF_LLM_ROUNDS"] ?? 400);

function conversation(i: number): ChatMessage[] {
  const messages: ChatMessage[] = [{ role: "system", content: "You are Mira, a lighthouse keeper on a foggy coast." }];
  for (let t = 0; t < 19; t++)
    messages.push({
      role: t % 2 === 0 ? "user" : "assistant",
      content: `Call ${i}, turn ${t}: the fog rolls in over the rocks and the lamp turns slowly above the harbour.`,
    });
  return messages;
}

export default async function run(): Promise<PerfResult[]> {
  const server = await startFakeLlmServer({ maxRecorded: 0 });
  const home = mkdtempSync(join(tmpdir(), "troupe-perf-llm-"));
  const store = await openStore({ home });
  const config = loadConfig({ env: {}, cwd: home });
  resetEndpointStates();
  const spec = `${server.openaiBaseUrl}#fake`;
  const client = new OpenAI({
    baseURL: server.openaiBaseUrl,
    apiKey: "perf",
    maxRetries: 0,
    fetch: undiciFetch as unknown as typeof fetch,
    fetchOptions: { dispatcher: sharedHttpTransport().dispatcher } as Record<string, unknown>,
  });
  const meter = new UsageMeter();
  const full = await resolveModel(spec, { config, store, meter });
  const noStore = await resolveModel(spec, { config, meter });

  let i = 0;
  const variants: Record<string, () => Promise<unknown>> = {
    direct: () =>
      client.chat.completions.create({
        model: "fake",
        messages: conversation(i++) as OpenAI.Chat.ChatCompletionMessageParam[],
        temperature: 0.8,
      }),
    stack: () => full.chat({ messages: conversation(i++), temperature: 0.8 }, { role: "player", runIndex: 1 }),
    stackNoStore: () =>
      noStore.chat({ messages: conversation(i++), temperature: 0.8 }, { role: "player", runIndex: 1 }),
  };
  const names = Object.keys(variants);
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < WARMUP + ROUNDS; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(round + k) % names.length] as string;
      const started = performance.now();
      await (variants[name] as () => Promise<unknown>)();
      if (round >= WARMUP) (times[name] as number[]).push(performance.now() - started);
    }
  }
  await store.close();
  await server.close();
  rmSync(home, { recursive: true, force: true });

  const med = (n: string) => median(times[n] as number[]);
  const p90 = (n: string) => percentile(times[n] as number[], 90);
  return [
    {
      name: "llm middleware stack vs direct openai call",
      ratio: med("stack") / med("direct"),
      unit: "median wall time per call, full stack (SQLite cache write) ÷ direct openai client; lower is better",
      detail: {
        calls: ROUNDS,
        directMedianMs: med("direct"),
        stackMedianMs: med("stack"),
        stackNoStoreMedianMs: med("stackNoStore"),
        overheadMs: med("stack") - med("direct"),
        noStoreRatio: med("stackNoStore") / med("direct"),
        directP90Ms: p90("direct"),
        stackP90Ms: p90("stack"),
      },
    },
  ];
}
