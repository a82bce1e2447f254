import * as z from "zod";
import type { CallOptions } from "./call-options.ts";
import type { ChatMessage } from "./chat-message.ts";
import type { ChatModel } from "./chat-model.ts";
import type { ChatRequest, JsonSchemaFormat } from "./chat-request.ts";
import type { ChatResult } from "./chat-result.ts";
import { extractJson } from "./json-extract.ts";
import { LlmError } from "./llm-error.ts";
import { addUsage } from "./usage.ts";

export interface GenerateObjectOptions extends CallOptions {
  /** Schema name sent to providers that want one (default "output"). */
  name?: string;
  /** Repair retries after an invalid answer (default 1). */
  repairs?: number;
  /**
   * Also state the schema in the system prompt (default true). MiniMax and many OpenAI-compatible servers ignore
   * `response_format`; the prompt is what tells them the shape, and validation catches the rest.
   */
  instruct?: boolean;
}

/** A validated object and the answer it came from. */
export interface GeneratedObject<T> {
  object: T;
  /** The last answer, with usage, latency and cost summed over every attempt. */
  result: ChatResult;
  /** Attempts made (1 when the first answer was valid). */
  attempts: number;
}

/** The JSON Schema a zod schema stands for, in the shape providers accept (no `$schema` key). */
export function responseFormatFor(schema: z.ZodType, name = "output"): JsonSchemaFormat {
  const { $schema: _draft, ...json } = z.toJSONSchema(schema, { io: "output", unrepresentable: "any" }) as Record<
    string,
    unknown
  >;
  return { type: "json_schema", name, schema: json };
}

function withInstruction(messages: ChatMessage[], format: JsonSchemaFormat): ChatMessage[] {
  const instruction =
    `Answer with only a JSON value (no prose, no code fence) that matches this JSON Schema:\n` +
    JSON.stringify(format.schema);
  const at = messages.findIndex((m) => m.role === "system");
  if (at === -1) return [{ role: "system", content: instruction }, ...messages];
  const out = [...messages];
  const system = out[at] as ChatMessage;
  out[at] = { ...system, content: `${system.content}\n\n${instruction}` };
  return out;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 8)
    .map((i) => `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`)
    .join("; ");
}

function combine(previous: ChatResult | undefined, next: ChatResult): ChatResult {
  if (!previous) return next;
  const cost =
    previous.costUsd === undefined && next.costUsd === undefined
      ? undefined
      : (previous.costUsd ?? 0) + (next.costUsd ?? 0);
  return {
    ...next,
    usage: addUsage(previous.usage, next.usage),
    latencyMs: previous.latencyMs + next.latencyMs,
    retries: (previous.retries ?? 0) + (next.retries ?? 0),
    ...(cost === undefined ? {} : { costUsd: cost }),
  };
}

/**
 * Ask for an object matching a zod schema: the schema goes to the provider as `response_format` (and into the
 * prompt), the answer is parsed and validated, and an invalid answer gets one repair retry that tells the model
 * exactly what was wrong. Still invalid: an `invalid_output` LlmError carrying the problems and the text.
 */
export async function generateObject<S extends z.ZodType>(
  model: ChatModel,
  request: ChatRequest,
  schema: S,
  options: GenerateObjectOptions = {},
): Promise<GeneratedObject<z.infer<S>>> {
  const { name = "output", repairs = 1, instruct = true, ...callOptions } = options;
  const format = responseFormatFor(schema, name);
  let messages = instruct ? withInstruction(request.messages, format) : [...request.messages];
  let total: ChatResult | undefined;
  let problem = "";
  let lastText = "";
  for (let attempt = 1; attempt <= repairs + 1; attempt++) {
    try {
      const result = await model.chat({ ...request, messages, responseFormat: format }, callOptions);
      total = combine(total, result);
      lastText = result.text;
      const extracted = extractJson(result.text);
      if (extracted.ok) {
        const parsed = schema.safeParse(extracted.value);
        if (parsed.success) return { object: parsed.data as z.infer<S>, result: total, attempts: attempt };
        problem = `it does not match the schema: ${describeIssues(parsed.error)}`;
      } else {
        problem =
          result.finishReason === "length" ? `${extracted.error}; it was cut off at the token limit` : extracted.error;
      }
    } catch (error) {
      // Providers that validate their own output (the local grammar path) reject it as invalid_output: that is a
      // failed attempt like any other, and earns the same repair.
      if (!(error instanceof LlmError) || error.kind !== "invalid_output") throw error;
      problem = error.message.replace(/\.$/, "");
      const text = error.details?.["text"];
      lastText = typeof text === "string" ? text : "";
    }
    messages = [
      ...messages,
      { role: "assistant", content: lastText },
      {
        role: "user",
        content: `Your previous answer was not usable: ${problem}. Reply again with only the corrected JSON value, matching the schema exactly.`,
      },
    ];
  }
  throw new LlmError("invalid_output", `${model.id} did not return valid "${name}" JSON: ${problem}.`, {
    model: model.id,
    hint: "The model cannot follow this schema reliably; try a stronger model, a lower temperature or a larger maxTokens.",
    details: { attempts: repairs + 1, problem, text: lastText.slice(0, 2000) },
  });
}
