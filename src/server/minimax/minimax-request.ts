import * as z from "zod";
import type { ChatMessage } from "../../llm/index.ts";
import type { GatewayRequest, Sampling } from "../gateway.ts";

const message = z.looseObject({
  role: z.enum(["system", "user", "assistant", "user_system", "group", "sample_message_user", "sample_message_ai"]),
  // MiniMax's own example sends a system message with a name and no content.
  content: z.string().nullish(),
  name: z.string().nullish(),
});

/**
 * The body of MiniMax's `POST /v1/text/chatcompletion_v2` (role-play-bench.md §3.2). Loose like the OpenAI one, and
 * lenient on ranges: troupe may serve a backend that takes temperature 0 or more than 2048 tokens, and apps written
 * for M2-her stay within MiniMax's tighter limits anyway.
 */
export const minimaxChatRequest = z.looseObject({
  model: z.string().min(1),
  messages: z.array(message).min(1),
  stream: z.boolean().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  max_completion_tokens: z.int().min(1).nullish(),
  /** An alias some MiniMax gateways accept. */
  max_tokens: z.int().min(1).nullish(),
  // MiniMax answers one candidate per call; asking for more is a mistake worth naming, not a silent n=1.
  n: z.literal(1, { error: "MiniMax's API returns one choice per call; send n = 1 or leave it out." }).nullish(),
});

export type MiniMaxChatRequest = z.infer<typeof minimaxChatRequest>;

const INTERPRETED = new Set(Object.keys(minimaxChatRequest.shape));

function samplingOf(body: MiniMaxChatRequest): Sampling {
  const sampling: Sampling = {};
  if (body.temperature != null) sampling.temperature = body.temperature;
  if (body.top_p != null) sampling.topP = body.top_p;
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (maxTokens != null) sampling.maxTokens = maxTokens;
  return sampling;
}

/** The roles map one to one: troupe's ChatMessage already carries MiniMax's role-play roles. */
function toChatMessage(m: MiniMaxChatRequest["messages"][number]): ChatMessage {
  return { role: m.role, content: m.content ?? "", ...(m.name ? { name: m.name } : {}) };
}

/** Decode a validated MiniMax request into the gateway's request. */
export function toGatewayRequestFromMiniMax(body: MiniMaxChatRequest): GatewayRequest {
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) if (!INTERPRETED.has(key) && value != null) extra[key] = value;
  return {
    model: body.model,
    messages: body.messages.map(toChatMessage),
    n: 1,
    sampling: samplingOf(body),
    extra,
    api: "minimax",
  };
}

/** The name the reply speaks under: MiniMax answers with the system message's `name` (the character). */
export function replyNameOf(body: MiniMaxChatRequest): string | undefined {
  return body.messages.find((m) => m.role === "system" && m.name)?.name ?? undefined;
}
