// Reply scripting for the fake LLM server: request/reply/fault types, presets, scripted sequences and the
// seeded fault schedule. Pure functions; the server (fake-llm-server.ts) re-exports everything here.
import { createHash } from "node:crypto";

/** Which API a request came in on. */
export type FakeApi = "openai" | "minimax";

/** A chat request as the fake server saw it. */
export interface FakeRequest {
  index: number;
  api: FakeApi;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  // biome-ignore lint/suspicious/noExplicitAny: request bodies are whatever the client sent.
  body: any;
  messages: Array<{ role: string; content?: string | null; name?: string }>;
  model: string;
  stream: boolean;
  /** The JSON schema of `response_format: {type: "json_schema"}`, when one was requested. */
  schema: Record<string, unknown> | undefined;
  /** The fault this request got, if any. */
  fault?: FakeFaultKind | undefined;
}

/** A successful answer, with optional provider-specific decorations. */
export interface FakeReply {
  text: string;
  finishReason?: "stop" | "length" | "content_filter";
  usage?: { prompt: number; completion: number };
  /** MiniMax sensitivity: a category code (1–7) sets `input_sensitive` / `output_sensitive`. */
  inputSensitiveType?: number;
  outputSensitiveType?: number;
  /** MiniMax SSE shape: send a final chunk with the whole `message` (default true) and `data: [DONE]` (default true). */
  minimaxFinalMessage?: boolean;
  done?: boolean;
  /** Characters per SSE delta (default 32). */
  chunkChars?: number;
  /** Milliseconds between streamed chunks (default 0: the whole stream in one write), like a model emitting tokens. */
  chunkIntervalMs?: number;
}

export type FakeFaultKind =
  | "rate_limit"
  | "server_500"
  | "server_503"
  | "reset"
  | "slow"
  | "timeout"
  | "truncated_stream"
  | "invalid_json"
  | "minimax_error";

/** A failure to produce instead of an answer. */
export type FakeFault =
  | { fault: "rate_limit"; retryAfterSec?: number; retryAfterMs?: number }
  | { fault: "http"; status: number; message?: string; retryAfterSec?: number; body?: string }
  | { fault: "reset" }
  | { fault: "slow"; delayMs?: number; answer?: string | FakeReply }
  | { fault: "timeout" }
  /** SSE cut after half the text: `end` closes cleanly, `destroy` drops the socket, `stall` goes silent. */
  | { fault: "truncated_stream"; mode?: "end" | "destroy" | "stall" }
  | { fault: "invalid_json" }
  /** MiniMax: HTTP 200 (or `httpStatus`) whose base_resp carries `code`. On the OpenAI path: HTTP 500. */
  | { fault: "minimax"; code: number; message?: string; httpStatus?: number };

export type FakeReplySpec = string | FakeReply | FakeFault;
export type FakeReplyFn = (request: FakeRequest, callIndex: number) => FakeReplySpec | Promise<FakeReplySpec>;

export interface FakeFaultInjection {
  /** Probability in [0, 1] that a call gets a fault. */
  rate: number;
  seed?: number;
  /** Which faults, uniformly, or weighted. Default: every kind. */
  kinds?: FakeFaultKind[] | Partial<Record<FakeFaultKind, number>>;
  /** Retry-After for injected 429s, in ms (sent as `retry-after-ms` and rounded-up `retry-after`). Default 50. */
  retryAfterMs?: number;
  /** Delay of injected slow answers. Default 1500 ms. */
  slowMs?: number;
}

const ALL_FAULTS: FakeFaultKind[] = [
  "rate_limit",
  "server_500",
  "server_503",
  "reset",
  "slow",
  "timeout",
  "truncated_stream",
  "invalid_json",
  "minimax_error",
];
const RETRYABLE_MINIMAX_CODES = [1000, 1001, 1002, 1024, 1033, 1039, 1041, 2045];

const EN_WORDS =
  "the lantern drifts over quiet water while she laughs softly and takes your hand old stories wake in the rain a door opens somewhere far below the tower".split(
    " ",
  );
const ZH_WORDS = "灯笼 在 安静的 水面 上 漂 她 轻轻 笑 着 握住 你的 手 旧 故事 在 雨中 醒来 远处 一扇 门 打开 了".split(
  " ",
);

/** Deterministic filler text from a hash of the conversation: equal messages give equal replies. */
export function hashText(messages: FakeRequest["messages"], words = 24): string {
  const digest = createHash("sha1").update(JSON.stringify(messages)).digest();
  const lastUser = [...messages].reverse().find((m) => m.role === "user")?.content ?? "";
  const zh = /[\u3400-\u9fff]/.test(lastUser);
  const vocab = zh ? ZH_WORDS : EN_WORDS;
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(vocab[(digest[i % digest.length] as number) % vocab.length] as string);
  return `[${digest.toString("hex").slice(0, 8)}] ${out.join(zh ? "" : " ")}`;
}

/** A value that satisfies a (simple) JSON Schema: objects, arrays, enums, consts, bounds, anyOf/oneOf, $ref. */
export function sampleForSchema(schema: unknown, root: unknown = schema, seed = 0): unknown {
  if (!schema || typeof schema !== "object") return null;
  const s = schema as Record<string, unknown>;
  if (typeof s["$ref"] === "string") {
    const path = (s["$ref"] as string).replace(/^#\//, "").split("/");
    const target = path.reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], root);
    return sampleForSchema(target, root, seed);
  }
  if ("const" in s) return s["const"];
  if (Array.isArray(s["enum"])) return s["enum"][seed % s["enum"].length];
  const alternatives = (s["anyOf"] ?? s["oneOf"]) as unknown[] | undefined;
  if (Array.isArray(alternatives) && alternatives.length > 0) return sampleForSchema(alternatives[0], root, seed);
  const type = Array.isArray(s["type"]) ? (s["type"] as string[]).find((t) => t !== "null") : (s["type"] as string);
  switch (type) {
    case "object": {
      const out: Record<string, unknown> = {};
      const props = (s["properties"] ?? {}) as Record<string, unknown>;
      for (const [key, sub] of Object.entries(props)) out[key] = sampleForSchema(sub, root, seed + key.length);
      return out;
    }
    case "array": {
      const n = Math.max(Number(s["minItems"] ?? 1), 1);
      return Array.from({ length: Math.min(n, Number(s["maxItems"] ?? n)) }, (_, i) =>
        sampleForSchema(s["items"], root, seed + i),
      );
    }
    case "integer":
    case "number": {
      const min = Number(s["minimum"] ?? (s["exclusiveMinimum"] !== undefined ? Number(s["exclusiveMinimum"]) + 1 : 0));
      const max = Number(
        s["maximum"] ?? (s["exclusiveMaximum"] !== undefined ? Number(s["exclusiveMaximum"]) - 1 : min + 10),
      );
      return Math.min(max, min + (seed % Math.max(1, max - min + 1)));
    }
    case "boolean":
      return seed % 2 === 0;
    case "string": {
      const minLength = Number(s["minLength"] ?? 0);
      const base = `sample-${seed}`;
      return base.length >= minLength ? base : base.padEnd(minLength, "x");
    }
    case "null":
      return null;
    default:
      return null;
  }
}

/** Ready-made reply functions. */
export const presets = {
  /** The last user message, verbatim. */
  echo: ((req) => [...req.messages].reverse().find((m) => m.role === "user")?.content ?? "") as FakeReplyFn,
  /** Deterministic text from a hash of the messages. */
  hash: ((req) => hashText(req.messages)) as FakeReplyFn,
  /** JSON valid for the requested schema (or hash text when none). */
  json: ((req) => (req.schema ? JSON.stringify(sampleForSchema(req.schema)) : hashText(req.messages))) as FakeReplyFn,
  /** `json` when a schema is requested, else `hash`. */
  auto: ((req) => (req.schema ? JSON.stringify(sampleForSchema(req.schema)) : hashText(req.messages))) as FakeReplyFn,
} as const;

/** Script replies by call index; after the list, repeat `fallback` (a preset) or the last item. */
export function sequence(items: FakeReplySpec[], fallback?: FakeReplyFn): FakeReplyFn {
  return (req, i) => {
    const item = items[i];
    if (item !== undefined) return item;
    if (fallback) return fallback(req, i);
    return items[items.length - 1] ?? "";
  };
}

/** Decide the injected fault of call `index`: a pure function of (seed, index). */
export function injectedFault(faults: FakeFaultInjection | undefined, index: number): FakeFaultKind | undefined {
  if (!faults || faults.rate <= 0) return undefined;
  const h = createHash("sha1")
    .update(`${faults.seed ?? 0}:${index}`)
    .digest();
  if (h.readUInt32LE(0) / 2 ** 32 >= faults.rate) return undefined;
  const kinds = faults.kinds ?? ALL_FAULTS;
  const weighted: Array<[FakeFaultKind, number]> = Array.isArray(kinds)
    ? kinds.map((k) => [k, 1])
    : (Object.entries(kinds) as Array<[FakeFaultKind, number]>);
  const total = weighted.reduce((sum, [, w]) => sum + w, 0);
  let pick = (h.readUInt32LE(4) / 2 ** 32) * total;
  for (const [kind, weight] of weighted) {
    pick -= weight;
    if (pick < 0) return kind;
  }
  return weighted[weighted.length - 1]?.[0];
}

/** The concrete fault an injected kind stands for (call `index` picks the MiniMax code). */
export function faultFromKind(kind: FakeFaultKind, faults: FakeFaultInjection, index: number): FakeFault {
  switch (kind) {
    case "rate_limit":
      return { fault: "rate_limit", retryAfterMs: faults.retryAfterMs ?? 50 };
    case "server_500":
      return { fault: "http", status: 500, message: "injected internal error" };
    case "server_503":
      return { fault: "http", status: 503, message: "injected overload" };
    case "slow":
      return { fault: "slow", delayMs: faults.slowMs ?? 1500 };
    case "minimax_error":
      return {
        fault: "minimax",
        code: RETRYABLE_MINIMAX_CODES[index % RETRYABLE_MINIMAX_CODES.length] as number,
        message: "injected",
      };
    case "reset":
    case "timeout":
    case "truncated_stream":
    case "invalid_json":
      return { fault: kind };
  }
}

/** True when a scripted reply is a fault rather than an answer. */
export function isFault(spec: FakeReplySpec): spec is FakeFault {
  return typeof spec === "object" && "fault" in spec;
}
