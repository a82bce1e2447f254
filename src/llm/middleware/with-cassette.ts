import { ExitCode, TroupeError } from "../../core/index.ts";
import type { CallOptions } from "../call-options.ts";
import type { Cassette, CassetteEntry } from "../cassette.ts";
import type { ChatModel, ChatModelMiddleware } from "../chat-model.ts";
import type { ChatRequest } from "../chat-request.ts";
import type { ChatChunk, ChatResult } from "../chat-result.ts";
import { requestKey } from "../request-key.ts";
import { resultToStream, storableResult, tapStream } from "../result-stream.ts";

/**
 * record: every call goes to the model and is appended. replay: every call must be in the cassette (a miss is an
 * error, never a silent live call). auto: replay what is there, record what is not.
 */
export type CassetteMode = "record" | "replay" | "auto";

/** A replayed call that the cassette does not contain. */
export class CassetteMissError extends TroupeError {
  constructor(path: string, model: string, role: string | undefined) {
    super(
      "llm.cassette_miss",
      `Cassette ${path} has no recording of this ${role ?? "model"} call to ${model} (replay mode).`,
      {
        exitCode: ExitCode.usage,
        hint: "The run differs from the recorded one (prompt, parameters, seed or model). Re-record with cassette mode auto or record.",
        details: { path, model, role },
      },
    );
  }
}

function entryFor(
  model: string,
  request: ChatRequest,
  options: CallOptions,
  key: string,
  result: ChatResult,
): CassetteEntry {
  return {
    v: 1,
    key,
    model,
    role: options.role ?? null,
    seed: options.seed ?? null,
    runIndex: options.runIndex ?? null,
    request,
    result: storableResult(result),
    recordedAt: new Date().toISOString(),
  };
}

const replayed = (result: ChatResult): ChatResult => ({ ...result, cached: true, latencyMs: 0 });

/**
 * Record calls to, or replay them from, a JSONL cassette. A recorded call is on disk (fsynced) before its answer
 * is returned. A replayed stream arrives as one delta.
 */
export function withCassette(cassette: Cassette, mode: CassetteMode): ChatModelMiddleware {
  return (model: ChatModel): ChatModel => {
    const lookup = (key: string, options: CallOptions): ChatResult | undefined => {
      if (mode === "record") return undefined;
      const hit = cassette.take(key);
      if (!hit && mode === "replay") throw new CassetteMissError(cassette.path, model.id, options.role);
      return hit;
    };
    return {
      id: model.id,
      provider: model.provider,
      async chat(request: ChatRequest, options: CallOptions = {}): Promise<ChatResult> {
        const key = requestKey(model.id, request, options);
        const hit = lookup(key, options);
        if (hit) return replayed(hit);
        const result = await model.chat(request, options);
        await cassette.append(entryFor(model.id, request, options, key, result));
        return result;
      },
      async *stream(request: ChatRequest, options: CallOptions = {}): AsyncIterable<ChatChunk> {
        const key = requestKey(model.id, request, options);
        const hit = lookup(key, options);
        if (hit) {
          yield* resultToStream(replayed(hit));
          return;
        }
        yield* tapStream(model.stream(request, options), async (result) => {
          await cassette.append(entryFor(model.id, request, options, key, result));
          return result;
        });
      },
    };
  };
}
