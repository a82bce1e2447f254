import { TroupeError } from "../core/index.ts";
import { LlmError } from "../llm/index.ts";

/** Which side of a session a failed model call was for. */
export type SessionRole = "player" | "user-sim";

/**
 * A model call of one session failed for good (after the model layer's retries): says which round and which role,
 * and keeps the model's error as `cause` (its code, hint and exit code carry over).
 */
export class SessionTurnError extends TroupeError {
  override readonly cause: unknown;

  constructor(
    readonly role: SessionRole,
    readonly round: number,
    cause: unknown,
  ) {
    const inner = cause instanceof Error ? cause.message : String(cause);
    const overflow = isContextOverflow(cause);
    super(
      cause instanceof TroupeError ? cause.code : "bench.turn_failed",
      `round ${round} (${role === "player" ? "model under test" : "user simulator"}): ${inner}`,
      {
        cause,
        ...(cause instanceof TroupeError ? { exitCode: cause.exitCode } : {}),
        ...(overflow
          ? {
              hint: "The dialogue outgrew the model's context. Start a new run with --context-strategy window:<k>, fewer --turns, or a model with a larger context (local:<file>#ctx=<n>).",
            }
          : cause instanceof TroupeError && cause.hint
            ? { hint: cause.hint }
            : {}),
      },
    );
    this.cause = cause;
  }
}

// What providers say when the prompt no longer fits: OpenAI and vLLM ("maximum context length",
// context_length_exceeded), llama.cpp server ("exceeds the available context size"), Anthropic-style gateways
// ("prompt is too long"), troupe's local provider ("but the context of … holds").
const OVERFLOW =
  /context[_ ]length[_ ]exceeded|maximum context length|context (?:size|window|length)|exceeds? (?:the )?(?:available )?context|prompt is too long|too many tokens|but the context of .* holds/i;

/** True when a model error says the prompt does not fit the model's context window. */
export function isContextOverflow(error: unknown): boolean {
  return error instanceof LlmError && error.kind === "invalid_request" && OVERFLOW.test(error.message);
}

// Errors that hit every session alike: stop the run instead of failing each session in turn.
const RUN_KINDS = new Set(["auth", "balance", "unreachable", "budget"]);

/**
 * Whether a failed session should stop the whole run ("run") or fail only itself ("session"). A bad key, an empty
 * balance or an unreachable host stop the run. A rejected request stops it only while the role's model has never
 * answered in this run (a parameter the server refuses fails every session alike); once it has answered, what
 * differs is this session's conversation, so the session fails alone. A context overflow is always the session's.
 */
export function failureScope(error: unknown, roleAnsweredBefore: boolean): "run" | "session" {
  const cause = error instanceof SessionTurnError ? error.cause : error;
  if (!(cause instanceof LlmError)) return "session";
  if (RUN_KINDS.has(cause.kind)) return "run";
  if (cause.kind === "invalid_request") return isContextOverflow(cause) || roleAnsweredBefore ? "session" : "run";
  return "session";
}
