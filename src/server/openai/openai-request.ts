import * as z from "zod";
import type { ChatMessage } from "../../llm/index.ts";
import type { GatewayRequest, Sampling } from "../gateway.ts";

/** Most candidates one request may ask for: each is a full generation, so `n` is a cost multiplier. */
export const MAX_CHOICES = 8;

const textPart = z.looseObject({
  type: z.literal("text", { error: 'Only text content parts ({"type":"text","text":…}) are supported.' }),
  text: z.string(),
});

const message = z.looseObject({
  role: z.enum(["system", "developer", "user", "assistant", "tool"]),
  // Assistant turns that only called tools carry `content: null`.
  content: z.union([z.string(), z.array(textPart)]).nullish(),
  name: z.string().nullish(),
});

/**
 * The request body of `POST /v1/chat/completions`. Loose on purpose: front-ends send backend samplers (top_k,
 * min_p, repetition_penalty) and newer OpenAI fields; rejecting unknown keys would break them (reference §1.1).
 */
export const openaiChatRequest = z.looseObject({
  model: z.string().min(1),
  messages: z.array(message).min(1),
  n: z.int().min(1).max(MAX_CHOICES).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  max_tokens: z.int().min(1).nullish(),
  max_completion_tokens: z.int().min(1).nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
  seed: z.int().nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  user: z.string().nullish(),
  safety_identifier: z.string().nullish(),
});

export type OpenAIChatRequest = z.infer<typeof openaiChatRequest>;

/** The keys troupe interprets; everything else travels on in `extra`. */
const INTERPRETED = new Set(Object.keys(openaiChatRequest.shape));

function toChatMessage(m: OpenAIChatRequest["messages"][number]): ChatMessage {
  const content = typeof m.content === "string" ? m.content : (m.content ?? []).map((part) => part.text).join("\n");
  // troupe's models know no developer or tool role: developer is OpenAI's new name for system, and a tool result
  // becomes user-side text named "tool" (served models do not call tools).
  const role = m.role === "developer" ? "system" : m.role === "tool" ? "user" : m.role;
  const name = m.name ?? (m.role === "tool" ? "tool" : undefined);
  return { role, content, ...(name ? { name } : {}) };
}

function samplingOf(body: OpenAIChatRequest): Sampling {
  const sampling: Sampling = {};
  if (body.temperature != null) sampling.temperature = body.temperature;
  if (body.top_p != null) sampling.topP = body.top_p;
  // max_completion_tokens replaced max_tokens; when both come, the newer one wins.
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (maxTokens != null) sampling.maxTokens = maxTokens;
  if (body.stop != null) sampling.stop = typeof body.stop === "string" ? [body.stop] : body.stop;
  if (body.seed != null) sampling.seed = body.seed;
  if (body.presence_penalty != null) sampling.presencePenalty = body.presence_penalty;
  if (body.frequency_penalty != null) sampling.frequencyPenalty = body.frequency_penalty;
  return sampling;
}

/** The retry counter the openai client sends (X-Stainless-Retry-Count), when it is a number. */
export function retryCountOf(headers: Record<string, string | string[] | undefined>): number | undefined {
  const raw = headers["x-stainless-retry-count"];
  const value = Number(Array.isArray(raw) ? raw[0] : raw);
  return raw !== undefined && Number.isInteger(value) && value >= 0 ? value : undefined;
}

/** Decode a validated OpenAI request into the gateway's request. */
export function toGatewayRequest(
  body: OpenAIChatRequest,
  headers: Record<string, string | string[] | undefined> = {},
): GatewayRequest {
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) if (!INTERPRETED.has(key) && value != null) extra[key] = value;
  const endUser = body.user ?? body.safety_identifier ?? undefined;
  const retryCount = retryCountOf(headers);
  return {
    model: body.model,
    messages: body.messages.map(toChatMessage),
    n: body.n ?? 1,
    sampling: samplingOf(body),
    extra,
    api: "openai",
    ...(endUser ? { endUser } : {}),
    ...(retryCount === undefined ? {} : { retryCount }),
  };
}
