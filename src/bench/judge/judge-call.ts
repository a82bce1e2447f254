import { type ChatMessage, type ChatModel, estimateTokens, generateObject, LlmError } from "../../llm/index.ts";
import { extractJudgeJson, JudgeReplySchema, salvageJudgeReply } from "./judge-reply.ts";
import { DEFAULT_JUDGE_SAMPLING, type JudgeCall, type JudgeCallResult, type JudgeSampling } from "./judge-session.ts";

/**
 * The judge call through the llm structured-output path: the reply schema goes to the provider (a JSON-schema
 * grammar for local models), the answer is validated, an invalid one gets one repair retry. When the repaired answer
 * is still invalid, whatever is valid in it is salvaged item by item (the invalid items are recorded as rejected);
 * only a reply with no usable `flags` array at all fails the chunk. The schema is not restated in the prompt — the
 * system prompt already gives the shape compactly, and judge input must stay within 1.5× the transcript.
 *
 * Judge calls bypass the response cache: the judge's cache is the judged-chunk store, which keeps only judgements
 * that passed validation (failed chunks are never served from it). Through the response cache an answer that failed
 * validation would be replayed on every rerun, so a failed chunk could never be retried.
 */
export function structuredJudgeCall(sampling: JudgeSampling = DEFAULT_JUDGE_SAMPLING): JudgeCall {
  return async (model: ChatModel, messages: ChatMessage[], options): Promise<JudgeCallResult> => {
    try {
      const { object, result } = await generateObject(
        model,
        { messages, temperature: sampling.temperature, maxTokens: sampling.maxTokens },
        JudgeReplySchema,
        {
          role: "judge",
          name: "judge_reply",
          instruct: false,
          noCache: true,
          tags: options.tags,
          ...(options.signal ? { signal: options.signal } : {}),
        },
      );
      return {
        reply: { flags: object.flags, ledger: object.ledger, rejected: [] },
        promptTokens: result.usage.promptTokens,
        completionTokens: result.usage.completionTokens,
        costUsd: result.costUsd ?? 0,
        latencyMs: result.latencyMs,
      };
    } catch (error) {
      const text = error instanceof LlmError && error.kind === "invalid_output" ? error.details?.["text"] : undefined;
      if (typeof text !== "string") throw error;
      // Throws JudgeReplyParseError (a chunk-level failure) when nothing can be salvaged.
      const reply = salvageJudgeReply(extractJudgeJson(text));
      const attempts = Number(error instanceof LlmError ? (error.details?.["attempts"] ?? 2) : 2);
      return {
        reply,
        // The failed attempts' usage is not carried by the error: estimate it (and say so in the README).
        promptTokens: attempts * messages.reduce((s, m) => s + estimateTokens(m.content), 0),
        completionTokens: estimateTokens(text),
        costUsd: 0,
        latencyMs: 0,
      };
    }
  };
}
