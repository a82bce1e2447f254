import type { FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { LlmError, type LlmErrorKind } from "../llm/index.ts";
import { HttpError } from "./http-error.ts";

/**
 * Why a request failed, in terms every wire API can encode (OpenAI status + error body, MiniMax base_resp): the
 * message is written for the client and never carries internals, upstream bodies or keys.
 */
export interface RequestFailure {
  status: number;
  /** Stable machine-readable code ("model_not_found", "invalid_json", "upstream_rate_limit"). */
  code: string;
  message: string;
  /** The request field at fault, as a dotted path. */
  param?: string;
  retryAfterSeconds?: number;
  /** True when repeating the same request cannot help (sent as `x-should-retry: false`). */
  noRetry?: boolean;
  /** The upstream failure kind, when a model call failed. */
  llmKind?: LlmErrorKind;
  /** The upstream provider's own code (MiniMax base_resp), when it had one. */
  providerCode?: number;
  /** How loudly the server should log it: 5xx we did not expect are errors, upstream trouble a warning. */
  log: "none" | "warn" | "error";
}

/** The longest Retry-After we pass on: the openai client obeys it uncapped (reference §1.4), so keep it short. */
const MAX_RETRY_AFTER_SECONDS = 60;

interface ValidationItem {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: { errors?: unknown };
}

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  message?: string;
  validation?: ValidationItem[];
}

interface ZodIssueLike {
  path: PropertyKey[];
  message: string;
  code?: string;
  errors?: ZodIssueLike[][];
}

function upstream(
  status: number,
  kind: LlmErrorKind,
  message: string,
  extra: Partial<RequestFailure> = {},
): RequestFailure {
  return { status, code: `upstream_${kind}`, message, llmKind: kind, log: "warn", ...extra };
}

function fromLlmError(error: LlmError): RequestFailure {
  const retryAfter =
    error.retryAfterMs === undefined
      ? {}
      : { retryAfterSeconds: Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, Math.ceil(error.retryAfterMs / 1000))) };
  const provider = error.providerCode === undefined ? {} : { providerCode: error.providerCode };
  switch (error.kind) {
    case "rate_limit":
    case "quota_wait":
      // Our upstream is overloaded, not the client: 503, so a 429 keeps meaning "you sent too much".
      return upstream(503, error.kind, "The model backend is overloaded; retry shortly.", {
        ...retryAfter,
        ...provider,
      });
    case "server":
    case "connection":
    case "invalid_output":
      return upstream(502, error.kind, "The model backend failed to answer; retry the request.", provider);
    case "timeout":
      return upstream(502, error.kind, "The model backend timed out; retry the request.", provider);
    case "unreachable":
      return upstream(502, error.kind, "The model backend cannot be reached; tell the server's operator.", {
        noRetry: true,
      });
    case "auth":
    case "balance":
      return upstream(502, error.kind, "The model backend refused the server's account; tell the server's operator.", {
        noRetry: true,
        log: "error",
        ...provider,
      });
    case "content_flagged":
      return upstream(422, error.kind, "The model backend's content filter rejected the input or the reply.", {
        ...provider,
        log: "none",
      });
    case "invalid_request":
      // troupe's own pre-flight checks (no HTTP status) say exactly what to fix; an upstream's body might say
      // anything, so it stays in the log.
      return upstream(
        400,
        error.kind,
        error.status === undefined ? error.message : "The model backend rejected the request's parameters.",
        { ...provider, log: "none" },
      );
    case "budget":
      return upstream(503, error.kind, "The server's model budget is spent; tell the server's operator.", {
        noRetry: true,
      });
    case "aborted":
      return upstream(503, error.kind, "The request was cancelled before it finished.", { log: "none" });
  }
}

function pathOf(instancePath: string | undefined): string | undefined {
  const path = (instancePath ?? "").split("/").filter(Boolean).join(".");
  return path === "" ? undefined : path;
}

/**
 * The most specific issue inside a union's failure: the branch that got furthest names the real mistake
 * ("content.0.type: only text parts") better than "no union member matched".
 */
function deepestIssue(errors: ZodIssueLike[][]): { path: PropertyKey[]; message: string } | undefined {
  let best: { path: PropertyKey[]; message: string } | undefined;
  for (const branch of errors)
    for (const issue of branch) {
      const inner = issue.code === "invalid_union" && issue.errors ? deepestIssue(issue.errors) : undefined;
      const candidate = inner ? { path: [...issue.path, ...inner.path], message: inner.message } : issue;
      if (!best || candidate.path.length > best.path.length) best = candidate;
    }
  return best && best.path.length > 0 ? best : undefined;
}

function fromValidation(error: FastifyLikeError): RequestFailure {
  const first = error.validation?.[0];
  let path = first?.instancePath;
  let detail = first?.message ?? "invalid value";
  const branches = first?.params?.errors;
  if (first?.keyword === "invalid_union" && Array.isArray(branches)) {
    const inner = deepestIssue(branches as ZodIssueLike[][]);
    if (inner) {
      path = `${path ?? ""}/${inner.path.map(String).join("/")}`;
      detail = inner.message;
    }
  }
  const param = pathOf(path);
  return {
    status: 400,
    code: "invalid_request",
    message: param ? `Invalid ${param}: ${detail}` : `Invalid request body: ${detail}`,
    ...(param ? { param } : {}),
    log: "none",
  };
}

/** Classify anything a route, a hook or Fastify itself threw. */
export function classifyFailure(error: unknown, request?: FastifyRequest): RequestFailure {
  if (error instanceof HttpError) {
    const failure: RequestFailure = {
      status: error.status,
      code: error.code,
      message: error.message,
      log: error.status >= 500 ? "error" : "none",
    };
    if (error.extra.param !== undefined) failure.param = error.extra.param;
    if (error.extra.retryAfterSeconds !== undefined) failure.retryAfterSeconds = error.extra.retryAfterSeconds;
    return failure;
  }
  if (error instanceof LlmError) return fromLlmError(error);
  const e = (typeof error === "object" && error !== null ? error : {}) as FastifyLikeError;
  if (hasZodFastifySchemaValidationErrors(error) || e.code === "FST_ERR_VALIDATION" || Array.isArray(e.validation))
    return fromValidation(e);
  switch (e.code) {
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return { status: 400, code: "invalid_json", message: "The request body is not valid JSON.", log: "none" };
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return {
        status: 400,
        code: "invalid_json",
        message: "The request body is empty; send a JSON object.",
        log: "none",
      };
    case "FST_ERR_CTP_BODY_TOO_LARGE": {
      const limit = request?.routeOptions.bodyLimit;
      const bytes = limit ? ` of ${limit} bytes` : "";
      return {
        status: 413,
        code: "request_too_large",
        message: `The request body is over the limit${bytes}.`,
        log: "none",
      };
    }
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return {
        status: 415,
        code: "unsupported_media_type",
        message: "Send the body as application/json.",
        log: "none",
      };
  }
  if (e.statusCode === 429)
    return { status: 429, code: "rate_limit_exceeded", message: "Too many requests; wait and retry.", log: "none" };
  // Fastify's own client errors (FST_*) carry fixed messages that are safe to show.
  if (typeof e.statusCode === "number" && e.statusCode >= 400 && e.statusCode < 500 && e.code?.startsWith("FST_"))
    return { status: e.statusCode, code: "invalid_request", message: e.message ?? "Bad request.", log: "none" };
  return {
    status: 500,
    code: "internal_error",
    message: `The server failed to handle the request${request ? ` (request id ${request.id})` : ""}.`,
    log: "error",
  };
}
