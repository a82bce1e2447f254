/**
 * A pure, incremental parser for MiniMax chatcompletion_v2 streams. What MiniMax sends is only partly documented
 * (reference §3.4), so it tolerates every shape seen or suspected: delta-only chunks; a final chunk repeating the
 * whole `message` (never appended twice); `data: [DONE]` present or missing; sensitivity flags and `base_resp` on
 * any chunk; and a plain JSON error body where SSE was expected. No I/O: feed it text, read the state.
 */

/** What a body turned out to be: SSE events, or one JSON document (an error, or a non-streamed answer). */
export type StreamMode = "unknown" | "sse" | "json";

export interface MiniMaxStreamState {
  mode: StreamMode;
  /** Unconsumed input: a partial SSE line, or the whole JSON body so far. */
  buffer: string;
  /** The answer so far (raw: `<think>` is stripped by the caller). */
  text: string;
  sawDelta: boolean;
  /** The full message of a final chunk, when one came. */
  finalMessage: string | undefined;
  /** True when the final message disagreed with the deltas already emitted (the message wins in the result). */
  mismatch: boolean;
  finishReason: string | undefined;
  usage: { promptTokens: number; completionTokens: number } | undefined;
  done: boolean;
  inputSensitive: boolean;
  outputSensitive: boolean;
  inputSensitiveType: number | undefined;
  outputSensitiveType: number | undefined;
  /** A reason to fail the call, once one is seen. */
  failure: { type: "base_resp"; code: number; message: string } | { type: "invalid_json"; detail: string } | undefined;
}

/** The state of a stream before any byte arrived. */
export function initialStreamState(): MiniMaxStreamState {
  return {
    mode: "unknown",
    buffer: "",
    text: "",
    sawDelta: false,
    finalMessage: undefined,
    mismatch: false,
    finishReason: undefined,
    usage: undefined,
    done: false,
    inputSensitive: false,
    outputSensitive: false,
    inputSensitiveType: undefined,
    outputSensitiveType: undefined,
    failure: undefined,
  };
}

/** Feed a piece of the body; returns the next state and the text increments it produced, in order. */
export function feedMiniMaxStream(
  state: MiniMaxStreamState,
  piece: string,
): { state: MiniMaxStreamState; deltas: string[] } {
  let next: MiniMaxStreamState = { ...state, buffer: state.buffer + piece };
  if (next.mode === "unknown") {
    const start = next.buffer.trimStart();
    if (start.length === 0) return { state: next, deltas: [] };
    next.mode = start.startsWith("{") ? "json" : "sse";
  }
  if (next.mode === "json" || next.failure) return { state: next, deltas: [] };
  const deltas: string[] = [];
  const lines = next.buffer.split(/\r?\n/);
  next.buffer = lines.pop() ?? "";
  for (const line of lines) {
    const applied = applyLine(next, line);
    next = applied.state;
    if (applied.delta) deltas.push(applied.delta);
    if (next.failure) break;
  }
  return { state: next, deltas };
}

/** End of body: flush a trailing line without newline, parse a JSON body. Returns the final state and deltas. */
export function endMiniMaxStream(state: MiniMaxStreamState): { state: MiniMaxStreamState; deltas: string[] } {
  if (state.mode === "json") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(state.buffer);
    } catch (error) {
      return { state: { ...state, failure: { type: "invalid_json", detail: (error as Error).message } }, deltas: [] };
    }
    const applied = applyEvent({ ...state, buffer: "" }, parsed);
    return { state: applied.state, deltas: applied.delta ? [applied.delta] : [] };
  }
  if (state.failure || state.buffer.trim() === "") return { state: { ...state, buffer: "" }, deltas: [] };
  const applied = applyLine({ ...state, buffer: "" }, state.buffer);
  return { state: applied.state, deltas: applied.delta ? [applied.delta] : [] };
}

/** Parse a whole body at once. */
export function parseMiniMaxStream(body: string): { state: MiniMaxStreamState; deltas: string[] } {
  const fed = feedMiniMaxStream(initialStreamState(), body);
  const ended = endMiniMaxStream(fed.state);
  return { state: ended.state, deltas: [...fed.deltas, ...ended.deltas] };
}

/** How a finished stream resolves: an answer, a failure, or a stream cut before the answer was complete. */
export type StreamOutcome =
  | { type: "answer"; text: string; finishReason: string }
  | { type: "failure"; failure: NonNullable<MiniMaxStreamState["failure"]> }
  | { type: "truncated" };

/** Decide what a stream that has ended amounts to. */
export function streamOutcome(state: MiniMaxStreamState): StreamOutcome {
  if (state.failure) return { type: "failure", failure: state.failure };
  const finished = state.done || state.finishReason !== undefined || state.finalMessage !== undefined;
  if (!finished) return { type: "truncated" };
  const filtered = state.outputSensitive && state.text === "";
  return {
    type: "answer",
    text: state.text,
    finishReason: filtered ? "content_filter" : (state.finishReason ?? "stop"),
  };
}

function applyLine(state: MiniMaxStreamState, rawLine: string): { state: MiniMaxStreamState; delta: string } {
  const line = rawLine.trim();
  // SSE comments, event names and ids carry nothing we use.
  if (line === "" || !line.startsWith("data:")) {
    // A bare JSON line inside an SSE body (some gateways drop the prefix): accept it as an event.
    if (line.startsWith("{")) return applyData(state, line);
    return { state, delta: "" };
  }
  return applyData(state, line.slice(5).trim());
}

function applyData(state: MiniMaxStreamState, data: string): { state: MiniMaxStreamState; delta: string } {
  if (data === "[DONE]") return { state: { ...state, done: true }, delta: "" };
  if (data === "") return { state, delta: "" };
  let event: unknown;
  try {
    event = JSON.parse(data);
  } catch (error) {
    return { state: { ...state, failure: { type: "invalid_json", detail: (error as Error).message } }, delta: "" };
  }
  return applyEvent(state, event);
}

interface MiniMaxEvent {
  base_resp?: { status_code?: number; status_msg?: string } | null;
  choices?: Array<{
    delta?: { content?: string | null } | null;
    message?: { content?: string | null } | null;
    finish_reason?: string | null;
  }> | null;
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  input_sensitive?: boolean;
  output_sensitive?: boolean;
  input_sensitive_type?: number;
  output_sensitive_type?: number;
}

function applyEvent(state: MiniMaxStreamState, raw: unknown): { state: MiniMaxStreamState; delta: string } {
  if (!raw || typeof raw !== "object") return { state, delta: "" };
  const event = raw as MiniMaxEvent;
  const next = { ...state };
  if (event.input_sensitive) {
    next.inputSensitive = true;
    if (event.input_sensitive_type) next.inputSensitiveType = event.input_sensitive_type;
  }
  if (event.output_sensitive) {
    next.outputSensitive = true;
    if (event.output_sensitive_type) next.outputSensitiveType = event.output_sensitive_type;
  }
  const code = event.base_resp?.status_code;
  if (typeof code === "number" && code !== 0) {
    next.failure = { type: "base_resp", code, message: event.base_resp?.status_msg ?? "" };
    return { state: next, delta: "" };
  }
  if (event.usage && typeof event.usage.prompt_tokens === "number" && typeof event.usage.completion_tokens === "number")
    next.usage = { promptTokens: event.usage.prompt_tokens, completionTokens: event.usage.completion_tokens };
  const choice = event.choices?.[0];
  if (!choice) return { state: next, delta: "" };
  if (choice.finish_reason) next.finishReason = choice.finish_reason;
  let delta = "";
  const full = choice.message?.content;
  if (typeof full === "string") {
    next.finalMessage = full;
    if (!next.sawDelta || full.startsWith(next.text)) {
      // Emit only what the deltas did not already carry: the message repeats them, it does not add to them.
      delta = full.slice(next.text.length);
    } else {
      next.mismatch = true;
    }
    next.text = full;
  } else if (typeof choice.delta?.content === "string" && next.finalMessage === undefined) {
    delta = choice.delta.content;
    next.text += delta;
    if (delta) next.sawDelta = true;
  }
  return { state: next, delta };
}
