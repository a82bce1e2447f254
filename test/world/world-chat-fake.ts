// A world-aware script for the fake OpenAI-compatible server: character lines in order (streamed in small pieces),
// extraction answers by the line they extract from, and off-screen steps. Shared by the world-chat tests.
import { loadConfig } from "../../src/core/index.ts";
import { type ChatModel, resolveModel } from "../../src/llm/index.ts";
import { type FakeLlmServer, type FakeRequest, startFakeLlmServer } from "../support/fake-llm-server.ts";

/** One extracted event as a model would write it. */
export type ScriptEvent = Record<string, unknown> & { kind: string; description: string };

export interface WorldScript {
  /** What the characters say, taken from the front of this list by each generation call (refill it per test). */
  lines: string[];
  /** Events extracted from a line, by its speaker and text (default none). */
  extract?: (speaker: string, text: string) => ScriptEvent[];
  /** Story minutes each extraction says passed (default 5). */
  minutesPassed?: number;
  /** The off-screen step answer (default: Mara counts coins and is pleased); read at each call, may wait. */
  offscreen?: () => Record<string, unknown> | Promise<Record<string, unknown>>;
  /** Characters per streamed piece (default 4, so a line arrives in many pieces). */
  chunkChars?: number;
}

/** The fake server and a model on it, with the script's state. */
export interface WorldFake {
  server: FakeLlmServer;
  model: ChatModel;
  /** Requests for character lines (no JSON schema), oldest first. */
  lineRequests(): FakeRequest[];
  close(): Promise<void>;
}

const schemaName = (r: FakeRequest) => r.body?.response_format?.json_schema?.name as string | undefined;

/** Start the fake server scripted for world turns, and a ChatModel that talks to it. */
export async function startWorldFake(script: WorldScript): Promise<WorldFake> {
  const server = await startFakeLlmServer({
    reply: async (request) => {
      if (schemaName(request) === "offscreen_step")
        return JSON.stringify(
          (await script.offscreen?.()) ?? {
            action: "Mara counts coins",
            events: [
              {
                ref: "e1",
                kind: "changed",
                description: "rich",
                op: "set",
                subject: "Mara",
                predicate: "mood",
                object: "pleased",
              },
            ],
          },
        );
      if (request.schema) {
        const last = request.messages.at(-1)?.content ?? "";
        const m = /New line by ([^:\n]+):\n([\s\S]*)$/.exec(last);
        const events = m ? (script.extract?.(m[1] as string, (m[2] as string).trim()) ?? []) : [];
        return JSON.stringify({
          minutesPassed: script.minutesPassed ?? 5,
          events: events.map((e, i) => ({ ref: `e${i + 1}`, ...e })),
        });
      }
      const text = script.lines.shift() ?? "…";
      return { text, chunkChars: script.chunkChars ?? 4 };
    },
  });
  const model = await resolveModel(`${server.openaiBaseUrl}#rp`, {
    config: loadConfig({ env: {}, cwd: "/nonexistent" }),
  });
  return {
    server,
    model,
    lineRequests: () => server.requests.filter((r) => !r.schema),
    close: () => server.close(),
  };
}

/** An extraction event putting `subject` at `place`. */
export const at = (subject: string, place: string): ScriptEvent => ({
  kind: "changed",
  description: `${subject} at ${place}`,
  op: "set",
  subject,
  predicate: "at",
  object: place,
});
