import OpenAI from "openai";
import { LlmError } from "../llm-error.ts";
import { classifyNetworkError, connectTimeoutError, networkErrorCode } from "../network-error.ts";
import { parseRetryAfter } from "../retry-after.ts";

/** Where a call went, for error messages. */
export interface CallTarget {
  model: string;
  baseUrl: string;
}

/**
 * Map anything the openai client (or the response body) threw onto an LlmError kind. HTTP statuses decide first;
 * then connection failures by their system code; then bodies that were not JSON.
 */
export function mapOpenAIError(error: unknown, target: CallTarget): LlmError {
  if (error instanceof LlmError) return error;
  const model = target.model;
  if (error instanceof OpenAI.APIUserAbortError)
    return new LlmError("aborted", `The call to ${model} was cancelled.`, { model, cause: error });
  // Attempts are timed by our deadline (checked before this), the client's timer is a day, and the transport has no
  // header or body timeouts: a timeout the client reports is the transport's connect timeout (whose cause it drops).
  if (error instanceof OpenAI.APIConnectionTimeoutError) return connectTimeoutError(target, error);
  if (error instanceof OpenAI.APIConnectionError) return classifyNetworkError(error.cause ?? error, target);
  if (error instanceof OpenAI.APIError && typeof error.status === "number") return fromStatus(error, target);
  if (error instanceof SyntaxError || (error instanceof Error && /parse .*JSON|JSON.*parse/i.test(error.message)))
    return new LlmError("server", `${target.baseUrl} answered with invalid JSON for ${model}.`, {
      model,
      cause: error,
      hint: "The server sent a broken response; the call is retried. If it persists, check the server's logs.",
    });
  if (
    error instanceof Error &&
    (error.name === "AbortError" ||
      /terminated|other side closed|socket/i.test(error.message) ||
      networkErrorCode(error) !== undefined)
  )
    return classifyNetworkError(error, target);
  return new LlmError("server", `Unexpected failure calling ${model}: ${String((error as Error)?.message ?? error)}`, {
    model,
    cause: error,
  });
}

function fromStatus(error: InstanceType<typeof OpenAI.APIError>, target: CallTarget): LlmError {
  const status = error.status as number;
  const model = target.model;
  const detail = serverMessage(error);
  const base = { model, status, cause: error };
  const retryAfterMs = parseRetryAfter(error.headers ?? undefined);
  const withWait = retryAfterMs === undefined ? base : { ...base, retryAfterMs };
  if (status === 401 || status === 403)
    return new LlmError("auth", `${target.baseUrl} rejected the key for ${model} (HTTP ${status}): ${detail}`, {
      ...base,
      hint: "Check the API key (OPENAI_API_KEY, or the endpoint's apiKeyEnv) and that it may use this model.",
    });
  if (status === 402 || error.code === "insufficient_quota")
    return new LlmError("balance", `The account behind ${model} has no credit left (HTTP ${status}): ${detail}`, {
      ...base,
      hint: "Top up the account or switch to another key.",
    });
  if (status === 429)
    return new LlmError("rate_limit", `${model} is rate limited (HTTP 429): ${detail}`, {
      ...withWait,
      hint: "troupe backs off and retries; lower concurrency in troupe.config.yaml if this persists.",
    });
  if (status === 408) return new LlmError("timeout", `${model} timed out on the server (HTTP 408).`, withWait);
  if (status === 404)
    return new LlmError("invalid_request", `${target.baseUrl} does not serve ${model} (HTTP 404): ${detail}`, {
      ...base,
      hint: "Check the model name after the provider prefix or #, and that the base URL ends in /v1.",
    });
  if (status === 409 || status >= 500)
    return new LlmError("server", `${target.baseUrl} failed for ${model} (HTTP ${status}): ${detail}`, withWait);
  return new LlmError(
    "invalid_request",
    `${target.baseUrl} rejected the request for ${model} (HTTP ${status}): ${detail}`,
    {
      ...base,
      hint: "A parameter is not supported by this server (temperature, max_tokens, response_format, stop); check the message above.",
    },
  );
}

function serverMessage(error: InstanceType<typeof OpenAI.APIError>): string {
  const body = error.error as { message?: unknown } | undefined;
  const message = typeof body?.message === "string" ? body.message : error.message;
  return message.length > 300 ? `${message.slice(0, 300)}…` : message;
}
