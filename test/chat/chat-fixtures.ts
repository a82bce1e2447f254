import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CHARACTER_PROMPT_VERSION, type ReplyEvent, type ReplyPolicy } from "../../src/chat/index.ts";
import type { ChatModel } from "../../src/llm/index.ts";
import { createOpenAICompatibleModel } from "../../src/llm/providers/openai-compatible.ts";
import type { FakeLlmServer } from "../support/fake-llm-server.ts";

/** The real cards of ../shared/data/cards (read in place, never copied). */
export const CARDS_DIR = join(import.meta.dirname, "../../../shared/data/cards");

/** The bytes of one of the shared cards. */
export function cardBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(CARDS_DIR, name)));
}

/** A real OpenAI-compatible model talking to the fake server. */
export function fakeServerModel(server: FakeLlmServer, timeoutMs = 30_000): ChatModel {
  return createOpenAICompatibleModel({
    id: `${server.openaiBaseUrl}#fake`,
    provider: "http",
    baseUrl: server.openaiBaseUrl,
    model: "fake",
    timeoutMs,
  });
}

/** One deterministic policy serving everything. */
export function policyFor(model: ChatModel, overrides: Partial<ReplyPolicy> = {}): ReplyPolicy {
  return {
    policyId: "default",
    model,
    propensity: 1,
    sampling: { temperature: 0.7 },
    promptVersion: CHARACTER_PROMPT_VERSION,
    ...overrides,
  };
}

/** Drain a reply stream. */
export async function collect(events: AsyncIterable<ReplyEvent>): Promise<ReplyEvent[]> {
  const out: ReplyEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

/** The done events of a stream. */
export function dones(events: ReplyEvent[]) {
  return events.filter((e): e is Extract<ReplyEvent, { type: "done" }> => e.type === "done");
}

/** A counting clock: every call is 1 ms later (deterministic, and leases can be moved past on purpose). */
export function tickingClock(start = 1_700_000_000_000) {
  let t = start;
  return { now: () => t++, peek: () => t, advance: (ms: number) => (t += ms) };
}
