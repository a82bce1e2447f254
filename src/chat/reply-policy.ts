import type { ChatModel, ChatRequest } from "../llm/index.ts";

/** Sampling settings of a reply; absent fields keep the model's defaults. */
export interface ReplySampling {
  temperature?: number;
  topP?: number;
  maxTokens?: number;
  stop?: string[];
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
}

/**
 * How a reply is generated, as the server resolved it for this request: which model and settings, and the
 * probability that this policy was the one serving (1 for a single deterministic policy; the split's share in an
 * A/B test or a router). Logged with every candidate so learning can correct for who was shown what.
 */
export interface ReplyPolicy {
  policyId: string;
  model: ChatModel;
  propensity: number;
  sampling: ReplySampling;
  /** The prompt template's version (characterPrompt's CHARACTER_PROMPT_VERSION unless the server says otherwise). */
  promptVersion: string;
  modelVersion?: string;
}

/** The policy as logged: everything but the model object, plus the prompt's hash. */
export function policyRecord(policy: ReplyPolicy, promptHash?: string): Record<string, unknown> {
  return {
    policyId: policy.policyId,
    model: policy.model.id,
    provider: policy.model.provider,
    ...(policy.modelVersion ? { modelVersion: policy.modelVersion } : {}),
    promptVersion: policy.promptVersion,
    ...(promptHash ? { promptHash } : {}),
    sampling: policy.sampling,
  };
}

/** A model request from the prompt and the sampling settings (penalties go as provider extras). */
export function replyRequest(messages: ChatRequest["messages"], sampling: ReplySampling): ChatRequest {
  const extra: Record<string, unknown> = {};
  if (sampling.presencePenalty !== undefined) extra["presence_penalty"] = sampling.presencePenalty;
  if (sampling.frequencyPenalty !== undefined) extra["frequency_penalty"] = sampling.frequencyPenalty;
  return {
    messages,
    ...(sampling.temperature !== undefined ? { temperature: sampling.temperature } : {}),
    ...(sampling.topP !== undefined ? { topP: sampling.topP } : {}),
    ...(sampling.maxTokens !== undefined ? { maxTokens: sampling.maxTokens } : {}),
    ...(sampling.stop?.length ? { stop: sampling.stop } : {}),
    ...(Object.keys(extra).length ? { extra } : {}),
  };
}
