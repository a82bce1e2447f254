import type { FinishReason, Usage } from "../../llm/index.ts";
import type { GatewayEvent } from "../gateway.ts";
import { HttpError } from "../http-error.ts";

/** OpenAI's finish reasons that troupe can produce. */
export type OpenAIFinishReason = "stop" | "length" | "content_filter";

/**
 * Map troupe's finish reason onto OpenAI's enum. `error` and `other` become "stop": OpenAI has no value for them
 * and clients validate the enum; a failed generation is reported as an error instead, never as a finish.
 */
export function openaiFinishReason(reason: FinishReason): OpenAIFinishReason {
  return reason === "length" || reason === "content_filter" ? reason : "stop";
}

/** OpenAI's usage object. */
export function openaiUsage(usage: Usage): { prompt_tokens: number; completion_tokens: number; total_tokens: number } {
  return {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.promptTokens + usage.completionTokens,
  };
}

/** A completion's events gathered into whole choices. */
export interface CollectedCompletion {
  id: string;
  model: string;
  created: number;
  choices: Array<{ text: string; finish: FinishReason | undefined }>;
  usage: Usage | undefined;
}

/** Fold the gateway's events of one completion into whole choices; `n` is the number of choices asked for. */
export class CompletionCollector {
  readonly choices: CollectedCompletion["choices"];
  start: Extract<GatewayEvent, { type: "start" }> | undefined;
  usage: Usage | undefined;

  constructor(n: number) {
    this.choices = Array.from({ length: n }, () => ({ text: "", finish: undefined }));
  }

  /** Take one event. */
  add(event: GatewayEvent): void {
    if (event.type === "start") this.start = event;
    else if (event.type === "usage") this.usage = event.usage;
    else {
      const choice = this.choices[event.choice];
      if (!choice) throw new Error(`gateway emitted choice ${event.choice} of ${this.choices.length}`);
      if (event.type === "delta") choice.text += event.text;
      else choice.finish = event.reason;
    }
  }

  /** The whole completion; throws when the gateway ended before every choice finished (a contract breach). */
  result(): CollectedCompletion {
    if (!this.start) throw new Error("gateway emitted no start event");
    const open = this.choices.findIndex((c) => c.finish === undefined);
    if (open >= 0) throw new HttpError(502, "incomplete_completion", `The reply for choice ${open} ended unfinished.`);
    return { ...this.start, choices: this.choices, usage: this.usage };
  }
}

/** The body of a non-streamed `chat.completion`. */
export function openaiCompletionBody(completion: CollectedCompletion): Record<string, unknown> {
  return {
    id: completion.id,
    object: "chat.completion",
    created: completion.created,
    model: completion.model,
    choices: completion.choices.map((choice, index) => ({
      index,
      message: { role: "assistant", content: choice.text, refusal: null },
      logprobs: null,
      finish_reason: openaiFinishReason(choice.finish ?? "stop"),
    })),
    usage: openaiUsage(completion.usage ?? { promptTokens: 0, completionTokens: 0 }),
  };
}
