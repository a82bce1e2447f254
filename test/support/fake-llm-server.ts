/**
 * A fake LLM HTTP server for tests and perf runs: OpenAI-compatible `POST /v1/chat/completions` (JSON and SSE,
 * `response_format: json_schema`) and MiniMax `POST /v1/text/chatcompletion_v2` (base_resp, sensitivity flags,
 * SSE variants). node:http only, cheap enough for tens of thousands of requests at high concurrency.
 *
 * API:
 *   const server = await startFakeLlmServer({ reply, latencyMs, faults, apiKey, maxRecorded });
 *   server.openaiBaseUrl   // "http://127.0.0.1:PORT/v1"  → new OpenAI({ baseURL }) or spec "http://…/v1#model"
 *   server.minimaxBaseUrl  // "http://127.0.0.1:PORT"     → MINIMAX_BASE_URL
 *   server.requests        // the last `maxRecorded` requests ({index, api, body, headers, fault}), oldest first
 *   server.callCount; server.stats; server.setReply(fn); server.setOptions({...}); server.reset(); server.close()
 *   GET /__fake/stats      // {callCount, stats, requests} for tests that run it as a process (fake-llm-server-main.ts)
 *
 * Replies: `reply(request, callIndex)` returns a string, a `FakeReply` object (text plus finish reason, usage,
 * sensitivity flags, MiniMax SSE shape), or a `FakeFault`. Presets: `presets.echo`, `presets.hash` (deterministic
 * text from a hash of the messages, English or Chinese by the last user message), `presets.json` (a value valid
 * for the requested JSON schema), `presets.auto` (json when a schema is requested, else hash; the default).
 * `sequence(a, b, …)` scripts replies by call index and then repeats the last (or falls back to a preset).
 *
 * Faults: scripted (return a FakeFault) or injected with `faults: { rate, seed, kinds }` — whether call i faults
 * and how is a pure function of (seed, i), so a run replays exactly. Kinds: rate_limit (429 + Retry-After),
 * server_500, server_503, reset (socket destroyed before any byte), slow (answers after `slowMs`), timeout
 * (never answers), truncated_stream (SSE cut before the finish), invalid_json (200 with a broken body),
 * minimax_error (base_resp error on HTTP 200; on the OpenAI path it becomes a 500).
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

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

export interface FakeLlmServerOptions {
  reply?: FakeReplyFn;
  /** Wait before answering (per response), fixed or per request. */
  latencyMs?: number | ((request: FakeRequest, callIndex: number) => number);
  faults?: FakeFaultInjection;
  /** When set, requests must carry `Authorization: Bearer <apiKey>` (401, or MiniMax base_resp 2049). */
  apiKey?: string;
  /** How many recent requests to keep for assertions (default 1000; 0 keeps none). */
  maxRecorded?: number;
  port?: number;
  host?: string;
}

export interface FakeLlmServer {
  /** "http://127.0.0.1:PORT" */
  readonly url: string;
  /** "http://127.0.0.1:PORT/v1": the OpenAI client's baseURL. */
  readonly openaiBaseUrl: string;
  /** The MiniMax host (the provider appends /v1/text/chatcompletion_v2). */
  readonly minimaxBaseUrl: string;
  readonly port: number;
  /** The most recent requests, oldest first. */
  readonly requests: FakeRequest[];
  /** Chat requests received so far. */
  readonly callCount: number;
  readonly stats: { requests: number; byApi: Record<FakeApi, number>; faults: Partial<Record<FakeFaultKind, number>> };
  setReply(reply: FakeReplyFn): void;
  setOptions(options: Partial<Omit<FakeLlmServerOptions, "port" | "host">>): void;
  /** Forget recorded requests, counters and call indices. */
  reset(): void;
  close(): Promise<void>;
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

function faultFromKind(kind: FakeFaultKind, faults: FakeFaultInjection, index: number): FakeFault {
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

function isFault(spec: FakeReplySpec): spec is FakeFault {
  return typeof spec === "object" && "fault" in spec;
}

const estimate = (text: string) => Math.max(1, Math.ceil(text.length / 4));

function chunkText(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out.length ? out : [""];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Start the fake server on 127.0.0.1 (an ephemeral port unless `port` is given). */
export async function startFakeLlmServer(initial: FakeLlmServerOptions = {}): Promise<FakeLlmServer> {
  let options: FakeLlmServerOptions = { ...initial };
  let reply: FakeReplyFn = initial.reply ?? presets.auto;
  let recorded: FakeRequest[] = [];
  let calls = 0;
  let stats = { requests: 0, byApi: { openai: 0, minimax: 0 }, faults: {} as Partial<Record<FakeFaultKind, number>> };
  const hanging = new Set<ServerResponse>();

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: `fake server bug: ${String(error)}`, type: "server_error" } }));
      } else res.destroy();
    });
  });
  server.keepAliveTimeout = 30_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0] as string;
    const api: FakeApi | undefined =
      req.method === "POST" && path === "/v1/chat/completions"
        ? "openai"
        : req.method === "POST" && path === "/v1/text/chatcompletion_v2"
          ? "minimax"
          : undefined;
    if (req.method === "GET" && path === "/__fake/stats") {
      // For tests that run the server as a separate process (see fake-llm-server-main.ts).
      json(res, 200, { callCount: calls, stats, requests: recorded.map(({ headers: _h, ...rest }) => rest) });
      return;
    }
    if (req.method === "GET" && path === "/v1/models") {
      json(res, 200, { object: "list", data: [{ id: "fake-model", object: "model", owned_by: "troupe-tests" }] });
      return;
    }
    if (!api) {
      json(res, 404, { error: { message: `no route ${req.method} ${path}`, type: "not_found" } });
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    // biome-ignore lint/suspicious/noExplicitAny: parsed request body.
    let body: any;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      json(res, 400, { error: { message: "request body is not JSON", type: "invalid_request_error" } });
      return;
    }
    const index = calls++;
    stats.requests++;
    stats.byApi[api]++;
    const format = body?.response_format;
    const request: FakeRequest = {
      index,
      api,
      path,
      headers: req.headers,
      body,
      messages: Array.isArray(body?.messages) ? body.messages : [],
      model: String(body?.model ?? ""),
      stream: body?.stream === true,
      schema: format?.type === "json_schema" ? (format.json_schema?.schema ?? format.json_schema) : undefined,
    };
    const keep = options.maxRecorded ?? 1000;
    if (keep > 0) {
      recorded.push(request);
      if (recorded.length > keep) recorded = recorded.slice(-keep);
    }

    if (options.apiKey !== undefined && req.headers.authorization !== `Bearer ${options.apiKey}`) {
      request.fault = undefined;
      if (api === "minimax") minimaxError(res, 2049, "invalid api key", 200);
      else json(res, 401, { error: { message: "Incorrect API key provided", type: "invalid_request_error" } });
      return;
    }

    const injected = injectedFault(options.faults, index);
    let spec: FakeReplySpec;
    if (injected && options.faults) {
      spec = faultFromKind(injected, options.faults, index);
      if (injected === "minimax_error" && api === "openai") spec = { fault: "http", status: 500 };
    } else {
      spec = await reply(request, index);
    }
    const latency = typeof options.latencyMs === "function" ? options.latencyMs(request, index) : options.latencyMs;
    if (latency && latency > 0) await sleep(latency);
    if (res.destroyed) return;
    await respond(request, res, spec);
  }

  function count(request: FakeRequest, kind: FakeFaultKind): void {
    request.fault = kind;
    stats.faults[kind] = (stats.faults[kind] ?? 0) + 1;
  }

  async function respond(request: FakeRequest, res: ServerResponse, spec: FakeReplySpec): Promise<void> {
    if (!isFault(spec)) {
      writeReply(request, res, typeof spec === "string" ? { text: spec } : spec);
      return;
    }
    switch (spec.fault) {
      case "rate_limit": {
        count(request, "rate_limit");
        const headers: Record<string, string> = {};
        if (spec.retryAfterMs !== undefined) {
          headers["retry-after-ms"] = String(spec.retryAfterMs);
          headers["retry-after"] = String(Math.ceil(spec.retryAfterMs / 1000));
        }
        if (spec.retryAfterSec !== undefined) headers["retry-after"] = String(spec.retryAfterSec);
        json(res, 429, { error: { message: "Rate limit reached (fake)", type: "rate_limit_exceeded" } }, headers);
        return;
      }
      case "http": {
        count(request, spec.status === 503 ? "server_503" : "server_500");
        const headers: Record<string, string> =
          spec.retryAfterSec === undefined ? {} : { "retry-after": String(spec.retryAfterSec) };
        if (spec.body !== undefined) {
          res.writeHead(spec.status, { "content-type": "text/plain", ...headers });
          res.end(spec.body);
        } else
          json(
            res,
            spec.status,
            { error: { message: spec.message ?? `fake HTTP ${spec.status}`, type: "server_error" } },
            headers,
          );
        return;
      }
      case "reset":
        count(request, "reset");
        res.socket?.resetAndDestroy?.() ?? res.destroy();
        return;
      case "slow": {
        count(request, "slow");
        await sleep(spec.delayMs ?? 1500);
        if (res.destroyed) return;
        const answer = spec.answer ?? (await reply(request, request.index));
        await respond(request, res, answer);
        return;
      }
      case "timeout":
        count(request, "timeout");
        // Never answer; the client's timeout (or close()) ends it.
        hanging.add(res);
        res.on("close", () => hanging.delete(res));
        return;
      case "truncated_stream": {
        count(request, "truncated_stream");
        const text = hashText(request.messages);
        if (!request.stream) {
          // A body cut short of its announced length: the client sees the connection drop mid-body.
          const full = JSON.stringify(openaiCompletion(request, { text }));
          res.writeHead(200, { "content-type": "application/json", "content-length": String(full.length) });
          res.write(full.slice(0, Math.floor(full.length / 2)));
          setImmediate(() => res.destroy());
          return;
        }
        res.writeHead(200, sseHeaders);
        const half = text.slice(0, Math.floor(text.length / 2));
        res.write(
          request.api === "openai"
            ? sse(openaiChunk(request, { role: "assistant", content: half }, null))
            : sse(minimaxChunk(request, half)),
        );
        if (spec.mode === "destroy") setImmediate(() => res.destroy());
        else if (spec.mode === "stall") {
          hanging.add(res);
          res.on("close", () => hanging.delete(res));
        } else res.end();
        return;
      }
      case "invalid_json":
        count(request, "invalid_json");
        if (request.stream) {
          res.writeHead(200, sseHeaders);
          res.end(`data: {"id":"x","choices":[{"delta":{"content":"Hel\n\n`);
        } else {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(`{"id":"chatcmpl-broken","choices":[{"message":{"content":"Hel`);
        }
        return;
      case "minimax":
        count(request, "minimax_error");
        if (request.api === "openai")
          json(res, spec.httpStatus ?? 500, { error: { message: spec.message ?? "error", type: "server_error" } });
        else minimaxError(res, spec.code, spec.message ?? `fake base_resp ${spec.code}`, spec.httpStatus ?? 200);
        return;
    }
  }

  function writeReply(request: FakeRequest, res: ServerResponse, r: FakeReply): void {
    if (request.api === "openai") {
      if (!request.stream) {
        json(res, 200, openaiCompletion(request, r));
        return;
      }
      const pieces = chunkText(r.text, r.chunkChars ?? 32);
      let out = "";
      pieces.forEach((piece, i) => {
        out += sse(openaiChunk(request, i === 0 ? { role: "assistant", content: piece } : { content: piece }, null));
      });
      out += sse(openaiChunk(request, {}, r.finishReason ?? "stop"));
      if (request.body?.stream_options?.include_usage) {
        out += sse({ ...chunkEnvelope(request), choices: [], usage: usageOf(request, r) });
      }
      if (r.done !== false) out += "data: [DONE]\n\n";
      res.writeHead(200, sseHeaders);
      res.end(out);
      return;
    }
    if (!request.stream) {
      json(res, 200, minimaxCompletion(request, r));
      return;
    }
    let out = "";
    for (const piece of chunkText(r.text, r.chunkChars ?? 32)) out += sse(minimaxChunk(request, piece));
    if (r.minimaxFinalMessage !== false) {
      const full = minimaxCompletion(request, r);
      out += sse({ ...full, object: "chat.completion.chunk" });
    } else {
      out += sse({
        ...minimaxEnvelope(request, r),
        object: "chat.completion.chunk",
        choices: [{ index: 0, delta: {}, finish_reason: r.finishReason ?? "stop" }],
      });
    }
    if (r.done !== false) out += "data: [DONE]\n\n";
    res.writeHead(200, sseHeaders);
    res.end(out);
  }

  await new Promise<void>((resolveListen, reject) => {
    server.once("error", reject);
    server.listen(initial.port ?? 0, initial.host ?? "127.0.0.1", () => resolveListen());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${initial.host ?? "127.0.0.1"}:${port}`;
  return {
    url,
    openaiBaseUrl: `${url}/v1`,
    minimaxBaseUrl: url,
    port,
    get requests() {
      return recorded;
    },
    get callCount() {
      return calls;
    },
    get stats() {
      return stats;
    },
    setReply(fn) {
      reply = fn;
    },
    setOptions(next) {
      options = { ...options, ...next };
      if (next.reply) reply = next.reply;
    },
    reset() {
      recorded = [];
      calls = 0;
      stats = { requests: 0, byApi: { openai: 0, minimax: 0 }, faults: {} };
    },
    close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

const sseHeaders = { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" };

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

function sse(event: unknown): string {
  return `data: ${JSON.stringify(event)}\n\n`;
}

function promptText(request: FakeRequest): string {
  return request.messages.map((m) => m.content ?? "").join("\n");
}

function usageOf(request: FakeRequest, r: FakeReply) {
  const prompt = r.usage?.prompt ?? estimate(promptText(request));
  const completion = r.usage?.completion ?? estimate(r.text);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

function chunkEnvelope(request: FakeRequest) {
  return {
    id: `chatcmpl-fake-${request.index}`,
    object: "chat.completion.chunk",
    created: 1_700_000_000,
    model: request.model,
  };
}

function openaiChunk(request: FakeRequest, delta: Record<string, unknown>, finish: string | null) {
  return { ...chunkEnvelope(request), choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] };
}

function openaiCompletion(request: FakeRequest, r: FakeReply) {
  return {
    id: `chatcmpl-fake-${request.index}`,
    object: "chat.completion",
    created: 1_700_000_000,
    model: request.model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: r.text, refusal: null },
        finish_reason: r.finishReason ?? "stop",
        logprobs: null,
      },
    ],
    usage: usageOf(request, r),
  };
}

function minimaxEnvelope(request: FakeRequest, r: FakeReply) {
  return {
    id: `mm-fake-${request.index}`,
    created: 1_700_000_000,
    model: request.model,
    input_sensitive: r.inputSensitiveType !== undefined,
    output_sensitive: r.outputSensitiveType !== undefined,
    input_sensitive_type: r.inputSensitiveType ?? 0,
    output_sensitive_type: r.outputSensitiveType ?? 0,
    output_sensitive_int: r.outputSensitiveType ?? 0,
    base_resp: { status_code: 0, status_msg: "" },
  };
}

function minimaxChunk(request: FakeRequest, piece: string) {
  return {
    id: `mm-fake-${request.index}`,
    created: 1_700_000_000,
    model: request.model,
    object: "chat.completion.chunk",
    choices: [{ index: 0, delta: { content: piece, role: "assistant", name: "MiniMax AI", audio_content: "" } }],
    input_sensitive: false,
    output_sensitive: false,
  };
}

function minimaxCompletion(request: FakeRequest, r: FakeReply) {
  const usage = usageOf(request, r);
  return {
    ...minimaxEnvelope(request, r),
    object: "chat.completion",
    choices: [
      {
        finish_reason: r.finishReason ?? "stop",
        index: 0,
        message: { content: r.text, role: "assistant", name: "MiniMax AI", audio_content: "" },
      },
    ],
    usage: { ...usage, total_characters: 0 },
  };
}

function minimaxError(res: ServerResponse, code: number, message: string, status: number): void {
  json(res, status, {
    id: "",
    choices: null,
    created: 1_700_000_000,
    model: "",
    object: "chat.completion",
    usage: null,
    input_sensitive: code === 1026,
    output_sensitive: code === 1027,
    base_resp: { status_code: code, status_msg: message },
  });
}
