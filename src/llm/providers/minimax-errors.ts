import { LlmError, type LlmErrorKind } from "../llm-error.ts";

interface CodeInfo {
  kind: LlmErrorKind;
  meaning: string;
  hint: string;
}

const RETRY = "troupe backs off and retries it.";

/**
 * MiniMax `base_resp.status_code` values (official error table, plus the MiniMax CLI for 1028/1030/2061) and how
 * troupe reacts: retryable kinds are retried with back-off by the retry middleware, 2056 waits, the rest stop.
 * 1002 and 1039 follow the official table (rate and token limits), not the CLI's content-filter reading.
 */
export const MINIMAX_CODES: Readonly<Record<number, CodeInfo>> = {
  1000: { kind: "server", meaning: "unknown error", hint: `A transient MiniMax failure; ${RETRY}` },
  1001: { kind: "timeout", meaning: "request timeout", hint: `MiniMax timed out; ${RETRY}` },
  1002: { kind: "rate_limit", meaning: "rate limit", hint: `${RETRY} Lower concurrency if it persists.` },
  1004: {
    kind: "auth",
    meaning: "not authorized (token not matching group, or missing)",
    hint: "Check MINIMAX_API_KEY, and that the key belongs to this host (api.minimax.io vs api.minimaxi.com: use minimax-cn: for the latter).",
  },
  1008: { kind: "balance", meaning: "insufficient balance", hint: "Top up the MiniMax account, then resume." },
  1024: { kind: "server", meaning: "internal error", hint: `A MiniMax-side failure; ${RETRY}` },
  1026: {
    kind: "content_flagged",
    meaning: "input flagged as sensitive",
    hint: "MiniMax's filter rejected the prompt; change the input (scenario, persona or history).",
  },
  1027: {
    kind: "content_flagged",
    meaning: "output flagged as sensitive",
    hint: "MiniMax's filter rejected the answer; change the input to steer the reply elsewhere.",
  },
  1028: {
    kind: "balance",
    meaning: "quota exhausted",
    hint: "The plan's quota is used up; top up or wait for renewal.",
  },
  1030: {
    kind: "balance",
    meaning: "quota exhausted",
    hint: "The plan's quota is used up; top up or wait for renewal.",
  },
  1033: { kind: "server", meaning: "system error", hint: `A MiniMax-side failure; ${RETRY}` },
  1039: { kind: "rate_limit", meaning: "token limit", hint: `${RETRY} Lower concurrency if it persists.` },
  1041: { kind: "rate_limit", meaning: "connection limit", hint: `${RETRY} Lower concurrency if it persists.` },
  1042: {
    kind: "invalid_request",
    meaning: "too many invisible characters",
    hint: "Remove zero-width and control characters from the messages.",
  },
  2013: {
    kind: "invalid_request",
    meaning: "invalid parameters",
    hint: "Check the model name (case-sensitive, e.g. M2-her), roles and sampling parameters.",
  },
  2045: { kind: "rate_limit", meaning: "rate-growth limit", hint: `Traffic grew too fast; ${RETRY}` },
  2049: { kind: "auth", meaning: "invalid API key", hint: "Check MINIMAX_API_KEY (and that it is for this host)." },
  2056: {
    kind: "quota_wait",
    meaning: "usage limit exceeded (5-hour window)",
    hint: "The plan's usage window is exhausted; troupe waits and retries. Stop and resume later if it keeps failing.",
  },
  2061: {
    kind: "balance",
    meaning: "model not in the Token Plan",
    hint: "This model is not included in your MiniMax plan; choose another model or plan.",
  },
};

/** The LlmError for a non-zero `base_resp.status_code` (unknown codes become retryable server errors). */
export function miniMaxCodeError(code: number, statusMsg: string, model: string, httpStatus?: number): LlmError {
  const info = MINIMAX_CODES[code];
  // status_msg is logged verbatim: the code table and the CLI disagree on some codes, the message does not lie.
  const message = `MiniMax returned ${code} (${info?.meaning ?? "undocumented code"}) for ${model}: ${statusMsg || "(no message)"}`;
  return new LlmError(info?.kind ?? "server", message, {
    model,
    providerCode: code,
    ...(httpStatus === undefined ? {} : { status: httpStatus }),
    hint: info?.hint ?? "An undocumented MiniMax code; troupe retries it a few times. Report it if it persists.",
  });
}

/** The LlmError for a MiniMax HTTP failure that carried no usable base_resp. */
export function miniMaxHttpError(status: number, body: string, model: string, retryAfterMs?: number): LlmError {
  const snippet = body.length > 300 ? `${body.slice(0, 300)}…` : body;
  const options = { model, status, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  if (status === 401 || status === 403)
    return new LlmError("auth", `MiniMax rejected the key for ${model} (HTTP ${status}).`, {
      ...options,
      hint: "Check MINIMAX_API_KEY and that it belongs to this host.",
    });
  if (status === 402) return new LlmError("balance", `MiniMax: insufficient balance (HTTP 402).`, options);
  if (status === 429) return new LlmError("rate_limit", `MiniMax rate limited ${model} (HTTP 429).`, options);
  if (status === 408 || status === 504) return new LlmError("timeout", `MiniMax timed out (HTTP ${status}).`, options);
  if (status === 422)
    return new LlmError("content_flagged", `MiniMax rejected the content for ${model} (HTTP 422): ${snippet}`, {
      ...options,
      hint: "MiniMax's content filter rejected the request; change the input.",
    });
  if (status >= 500) return new LlmError("server", `MiniMax failed (HTTP ${status}): ${snippet}`, options);
  return new LlmError("invalid_request", `MiniMax rejected the request (HTTP ${status}): ${snippet}`, options);
}
