import type { Server, ServerResponse } from "node:http";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

/** The heartbeat interval of an open stream: below the idle timeouts of common proxies (60 s). */
export const SSE_PING_MS = 15_000;

export interface SseOptions {
  /** Milliseconds between `: ping` comments (default 15 s; 0 turns them off). */
  pingMs?: number;
}

/** One open Server-Sent Events response. */
export interface SseStream {
  /**
   * Write one event (`data: …` lines, optionally `event:`). Resolves once the socket accepted it (awaiting 'drain'
   * under backpressure), and to false without writing when the client has gone.
   */
  send(data: string, event?: string): Promise<boolean>;
  /** Aborted when the client closes the connection before `end()`. */
  readonly signal: AbortSignal;
  /** Resolves when the response socket closes, whether after `end()` or because the client left. */
  readonly closed: Promise<void>;
  /** True once the client has gone or `end()` was called. */
  readonly isClosed: boolean;
  /** Finish the response (idempotent). */
  end(): void;
}

/** The open streams of each HTTP server, so a shutdown can end them: open streams would block `fastify.close()`. */
const openStreams = new WeakMap<object, Set<ServerResponse>>();

/** How many streams of this server are open now. */
export function openStreamCount(app: FastifyInstance): number {
  return openStreams.get(app.server as Server)?.size ?? 0;
}

/**
 * Cut every open stream of this server (call it from a `preClose` hook). Each one's signal aborts as if the client
 * had left, so generations stop upstream and their partial replies are kept as incomplete; returns how many.
 */
export function closeOpenStreams(app: FastifyInstance): number {
  const streams = openStreams.get(app.server as Server);
  if (!streams) return 0;
  const count = streams.size;
  for (const raw of streams) raw.destroy();
  streams.clear();
  return count;
}

/**
 * A signal that aborts when the client drops the connection before the response was finished. Watches the response,
 * not the request: a consumed request body may emit 'close' early (reference §3.2).
 */
export function clientGoneSignal(raw: ServerResponse): AbortSignal {
  const controller = new AbortController();
  if (raw.destroyed && !raw.writableFinished) controller.abort();
  else
    raw.once("close", () => {
      if (!raw.writableFinished) controller.abort();
    });
  return controller.signal;
}

/** Render one SSE event; multi-line data is split into several `data:` lines as the format requires. */
export function sseEvent(data: string, event?: string): string {
  const lines = data.split(/\r\n|\r|\n/).map((line) => `data: ${line}\n`);
  return `${event ? `event: ${event}\n` : ""}${lines.join("")}\n`;
}

/**
 * Take over the response and start an event stream. Status and headers are fixed here, so decide auth, validation,
 * model resolution and rate limits before calling it. Headers already set on the reply (rate-limit, request id)
 * survive: hijacking would drop them otherwise.
 */
export function openSse(_request: FastifyRequest, reply: FastifyReply, options: SseOptions = {}): SseStream {
  const raw = reply.raw;
  const controller = new AbortController();
  let ended = false;
  let gone = false;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });

  reply.hijack();
  raw.writeHead(200, {
    ...(reply.getHeaders() as Record<string, string | string[] | number>),
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-transform",
    "x-accel-buffering": "no",
  });
  // Send the headers now: a client waiting for the first token should already see the stream open.
  raw.flushHeaders();

  const pingMs = options.pingMs ?? SSE_PING_MS;
  const timer =
    pingMs > 0
      ? setInterval(() => {
          // A ping is only a keep-alive: skip it while the socket is backed up rather than queue more.
          if (!gone && !ended && !raw.writableNeedDrain) raw.write(": ping\n\n");
        }, pingMs)
      : undefined;
  timer?.unref();

  const streams = openStreams.get(reply.server.server) ?? new Set<ServerResponse>();
  openStreams.set(reply.server.server, streams);
  streams.add(raw);

  let corked = false;
  const uncork = () => {
    corked = false;
    raw.uncork();
  };

  const onClose = () => {
    streams.delete(raw);
    if (timer) clearInterval(timer);
    if (!raw.writableFinished) {
      gone = true;
      controller.abort();
    }
    resolveClosed();
  };
  if (raw.destroyed) onClose();
  else raw.once("close", onClose);

  return {
    signal: controller.signal,
    closed,
    get isClosed() {
      return gone || ended;
    },
    async send(data, event) {
      if (gone || ended) return false;
      // Events produced in one turn of the event loop (an upstream packet often carries dozens of tokens) leave in
      // one write instead of one syscall each; the batch is flushed before the loop reads the socket again.
      if (!corked) {
        corked = true;
        raw.cork();
        setImmediate(uncork);
      }
      if (raw.write(sseEvent(data, event))) return true;
      // Backpressure: wait for the socket to drain, or for the client to leave.
      await new Promise<void>((resolve) => {
        const done = () => {
          raw.off("drain", done);
          raw.off("close", done);
          resolve();
        };
        raw.once("drain", done);
        raw.once("close", done);
      });
      return !gone;
    },
    end() {
      if (ended) return;
      ended = true;
      if (timer) clearInterval(timer);
      if (corked) uncork();
      if (!gone) raw.end();
    },
  };
}
