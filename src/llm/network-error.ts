import { LlmError } from "./llm-error.ts";

// Codes that mean nobody is listening at that address (or the name does not resolve): retrying soon will not help.
const UNREACHABLE = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "EAI_NONAME"]);
const TIMEOUT = new Set(["ETIMEDOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

/** Walk an error's `cause` chain and return the first system error code (ECONNREFUSED, UND_ERR_SOCKET, …). */
export function networkErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current && typeof current === "object"; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && /^[A-Z_]+$/.test(code)) return code;
    // AggregateError (happy-eyeballs tries IPv4 and IPv6) keeps the real causes in `errors`.
    const errors = (current as { errors?: unknown[] }).errors;
    if (Array.isArray(errors) && errors.length > 0) {
      const inner = networkErrorCode(errors[0]);
      if (inner) return inner;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Turn a failed connection (fetch/undici error) into an LlmError: unreachable, timeout or connection. */
export function classifyNetworkError(error: unknown, target: { model: string; baseUrl: string }): LlmError {
  const code = networkErrorCode(error);
  const text = describe(error);
  if (code && UNREACHABLE.has(code)) {
    return new LlmError("unreachable", `Cannot reach ${target.baseUrl} for ${target.model} (${code}).`, {
      model: target.model,
      cause: error,
      hint:
        code === "ECONNREFUSED"
          ? "Nothing is listening there: start the server, or check the host and port in the model spec."
          : "The host name does not resolve: check the spelling of the URL and your network or DNS.",
    });
  }
  if (code === "UND_ERR_CONNECT_TIMEOUT") return connectTimeoutError(target, error);
  if (code === "UND_ERR_RES_EXCEEDED_MAX_SIZE") {
    // Retried like a server fault: a transient runaway answer may not repeat, and the retry budget bounds the cost.
    return new LlmError(
      "server",
      `The answer from ${target.baseUrl} for ${target.model} is too large. ${messageOf(error, code)}`,
      {
        model: target.model,
        cause: error,
        hint: "A model answer is kilobytes; check that the base URL points at a chat completions API and not a file server.",
      },
    );
  }
  if (/bad port/i.test(text)) {
    return new LlmError("unreachable", `Cannot call ${target.baseUrl}: fetch refuses that port.`, {
      model: target.model,
      cause: error,
      hint: "Browsers and Node's fetch block some ports (1, 22, 25, 6000, …); serve the model on another port.",
    });
  }
  if ((code && TIMEOUT.has(code)) || /timed? ?out/i.test(text)) {
    return new LlmError("timeout", `The call to ${target.model} timed out (${code ?? "no answer"}).`, {
      model: target.model,
      cause: error,
      hint: "The server is slow or overloaded; it will be retried. Raise timeoutMs for this endpoint if it persists.",
    });
  }
  return new LlmError("connection", `The connection to ${target.baseUrl} failed (${code ?? text}).`, {
    model: target.model,
    cause: error,
    hint: "The connection dropped mid-call; it will be retried.",
  });
}

/** A connection that was not accepted within the transport's connect timeout: retryable, with where to look. */
export function connectTimeoutError(target: { model: string; baseUrl: string }, cause: unknown): LlmError {
  return new LlmError("timeout", `Could not connect to ${target.baseUrl} for ${target.model} in time.`, {
    model: target.model,
    cause,
    hint:
      "No connection was accepted within the connect timeout; the call is retried. If it persists, check the host " +
      "and port, a firewall, or HTTPS_PROXY / NO_PROXY.",
  });
}

function describe(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    parts.push(current instanceof Error ? current.message : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(": ");
}

/** The message of the error in the cause chain that carries `code` (the one that says what happened). */
function messageOf(error: unknown, code: string): string {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current instanceof Error; depth++) {
    if ((current as { code?: unknown }).code === code) return current.message;
    current = current.cause;
  }
  return describe(error);
}
