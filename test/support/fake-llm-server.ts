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
 * (Reply scripting lives in fake-llm-replies.ts and the wire formats in fake-llm-wire.ts; this file re-exports the
 * former.)
 *
 * Faults: scripted (return a FakeFault) or injected with `faults: { rate, seed, kinds }` — whether call i faults
 * and how is a pure function of (seed, i), so a run replays exactly. Kinds: rate_limit (429 + Retry-After),
 * server_500, server_503, reset (socket destroyed before any byte), slow (answers after `slowMs`), timeout
 * (never answers), truncated_stream (SSE cut before the finish), invalid_json (200 with a broken body),
 * minimax_error (base_resp error on HTTP 200; on the OpenAI path it becomes a 500).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type FakeApi,
  type FakeFaultInjection,
  type FakeFaultKind,
  type FakeReply,
  type FakeReplyFn,
  type FakeReplySpec,
  type FakeRequest,
  faultFromKind,
  hashText,
  injectedFault,
  isFault,
  presets,
} from "./fake-llm-replies.ts";
import {
  chunkEnvelope,
  chunkText,
  json,
  minimaxChunk,
  minimaxCompletion,
  minimaxEnvelope,
  minimaxError,
  openaiChunk,
  openaiCompletion,
  sse,
  sseHeaders,
  usageOf,
} from "./fake-llm-wire.ts";

export * from "./fake-llm-replies.ts";

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
      const frames = pieces.map((piece, i) =>
        sse(openaiChunk(request, i === 0 ? { role: "assistant", content: piece } : { content: piece }, null)),
      );
      let tail = sse(openaiChunk(request, {}, r.finishReason ?? "stop"));
      if (request.body?.stream_options?.include_usage) {
        tail += sse({ ...chunkEnvelope(request), choices: [], usage: usageOf(request, r) });
      }
      if (r.done !== false) tail += "data: [DONE]\n\n";
      res.writeHead(200, sseHeaders);
      if (!r.chunkIntervalMs) {
        res.end(frames.join("") + tail);
        return;
      }
      // Paced like a model emitting tokens: one chunk per interval, then the finish.
      let i = 0;
      const next = () => {
        if (res.destroyed) return;
        if (i < frames.length) {
          res.write(frames[i++] as string);
          setTimeout(next, r.chunkIntervalMs);
        } else res.end(tail);
      };
      next();
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
