import type { Usage } from "../../llm/index.ts";
import type { GatewayEvent } from "../gateway.ts";
import { HttpError } from "../http-error.ts";
import { openaiFinishReason, openaiUsage } from "./openai-completion.ts";

type Start = Extract<GatewayEvent, { type: "start" }>;

/**
 * Turns the gateway's events into `chat.completion.chunk` objects with the invariants the openai client's stream
 * accumulator checks (reference §1.3): every choice opens with `{role:"assistant",content:""}`, ends with a chunk
 * carrying `finish_reason`; one id and created on every chunk; with `include_usage`, every chunk has `usage: null`
 * and a last chunk with `choices: []` carries the usage.
 */
export class OpenAIChunkEncoder {
  private readonly finished: boolean[];
  private usage: Usage | undefined;

  constructor(
    private readonly start: Start,
    n: number,
    private readonly includeUsage: boolean,
  ) {
    this.finished = Array.from({ length: n }, () => false);
  }

  private chunk(choices: unknown[], usage: unknown = null): Record<string, unknown> {
    const { id, created, model } = this.start;
    return {
      id,
      object: "chat.completion.chunk",
      created,
      model,
      choices,
      ...(this.includeUsage ? { usage } : {}),
    };
  }

  /** The opening chunks: one role delta per choice, sent before any text. */
  opening(): Record<string, unknown>[] {
    return this.finished.map((_, index) =>
      this.chunk([{ index, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }]),
    );
  }

  /** The chunks one event becomes (none for start and usage). */
  encode(event: GatewayEvent): Record<string, unknown>[] {
    if (event.type === "usage") {
      this.usage = event.usage;
      return [];
    }
    if (event.type === "start") return [];
    if (event.choice < 0 || event.choice >= this.finished.length)
      throw new Error(`gateway emitted choice ${event.choice} of ${this.finished.length}`);
    if (event.type === "delta") {
      if (event.text === "") return [];
      return [
        this.chunk([{ index: event.choice, delta: { content: event.text }, logprobs: null, finish_reason: null }]),
      ];
    }
    this.finished[event.choice] = true;
    return [
      this.chunk([{ index: event.choice, delta: {}, logprobs: null, finish_reason: openaiFinishReason(event.reason) }]),
    ];
  }

  /** The closing chunks (the usage chunk when asked for); throws if a choice never finished. */
  closing(): Record<string, unknown>[] {
    const open = this.finished.indexOf(false);
    if (open >= 0) throw new HttpError(502, "incomplete_completion", `The reply for choice ${open} ended unfinished.`);
    if (!this.includeUsage) return [];
    return [this.chunk([], openaiUsage(this.usage ?? { promptTokens: 0, completionTokens: 0 }))];
  }
}
