import net from "node:net";
import tls from "node:tls";
import { BufferedResponse } from "./buffered-response.ts";
import { type Http1Response, Http1ResponseParser } from "./http1-response-parser.ts";

/** Something that can cancel a call in flight: it calls `cancel` once if the call must stop (see AttemptDeadline). */
export interface CallCanceller {
  onCancel(cancel: ((reason: Error) => void) | undefined): void;
}

/** A prepared POST: the parts of the request that are the same on every call to one URL. */
export interface Http1Target {
  readonly href: string;
  readonly origin: Origin;
  /** Request line and fixed headers, up to (not including) content-length and the blank line. */
  readonly head: string;
}

// Idle connections kept per origin beyond those in use: enough for a bench's concurrency to find one warm.
const MAX_IDLE = 64;
// How long an idle connection is trusted when the server does not say (undici's default), and how much sooner than
// the server's own Keep-Alive timeout we stop trusting it.
const DEFAULT_IDLE_MS = 4000;
const IDLE_MARGIN_MS = 1000;

/**
 * Prepare POSTs to `url` (http: or https:) with these headers. Validates them once, as node:http would on every call:
 * a header name or value that could split the request is a TypeError here.
 */
export function http1Target(url: string, headers: Readonly<Record<string, string>>): Http1Target {
  const parsed = new URL(url);
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
    throw new TypeError(`http1Target needs an http: or https: URL, not ${parsed.protocol}`);
  let head = `POST ${parsed.pathname}${parsed.search} HTTP/1.1\r\nhost: ${parsed.host}\r\nconnection: keep-alive\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new TypeError(`Invalid header name "${name}"`);
    // node's own rule for header values: tab, visible ASCII and obs-text; never CR, LF, NUL or other controls.
    if (/[^\t\x20-\x7e\x80-\xff]/.test(value))
      throw new TypeError(`Invalid character in the value of header "${name}"`);
    const lower = name.toLowerCase();
    if (lower === "host" || lower === "content-length" || lower === "connection" || lower === "transfer-encoding")
      continue;
    head += `${name}: ${value}\r\n`;
  }
  return { href: parsed.href, origin: originFor(parsed), head };
}

/**
 * POST `body` and read the whole answer, over a pool of keep-alive HTTP/1.1 connections of our own. This is the path
 * of every whole (non-streamed) chat answer from an OpenAI-compatible server, a thousand a second in a bench: node's
 * http client spends about 0.1 ms of CPU per call on machinery a JSON exchange does not use (an OutgoingMessage and an
 * IncomingMessage stream per call, header validation per call, agent bookkeeping, an AbortSignal bridge with its
 * end-of-stream watcher), and that CPU is queueing delay for every other session sharing the one JavaScript thread.
 * Here a call is one write of the request bytes and one parse of the answer. Errors carry node's codes (ECONNRESET,
 * ECONNREFUSED, …) so callers classify them exactly as they classify node:http's.
 */
export function http1Post(target: Http1Target, body: Buffer, canceller?: CallCanceller): Promise<BufferedResponse> {
  const request = Buffer.concat([Buffer.from(`${target.head}content-length: ${body.length}\r\n\r\n`, "latin1"), body]);
  return new Promise<BufferedResponse>((resolve, reject) => {
    target.origin.take().send({ request, href: target.href, resolve, reject, canceller });
  });
}

class Origin {
  private readonly idle: Connection[] = [];

  constructor(
    readonly host: string,
    readonly port: number,
    readonly secure: boolean,
  ) {}

  /** The most recently used idle connection (warmest), or a new one. */
  take(): Connection {
    for (let c = this.idle.pop(); c; c = this.idle.pop()) if (c.fresh) return c;
    return new Connection(this);
  }

  release(connection: Connection): void {
    if (this.idle.length >= MAX_IDLE) connection.close();
    else this.idle.push(connection);
  }

  forget(connection: Connection): void {
    const at = this.idle.indexOf(connection);
    if (at >= 0) this.idle.splice(at, 1);
  }
}

const origins = new Map<string, Origin>();

function originFor(url: URL): Origin {
  const secure = url.protocol === "https:";
  // URL keeps IPv6 literals in brackets; sockets want them bare.
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port ? Number(url.port) : secure ? 443 : 80;
  const key = `${url.protocol}//${host}:${port}`;
  let origin = origins.get(key);
  if (!origin) {
    origin = new Origin(host, port, secure);
    origins.set(key, origin);
  }
  return origin;
}

function codedError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/** One call: its request bytes and who waits for the answer. */
interface Exchange {
  readonly request: Buffer;
  readonly href: string;
  readonly resolve: (response: BufferedResponse) => void;
  readonly reject: (error: unknown) => void;
  readonly canceller: CallCanceller | undefined;
}

/** One socket to an origin, carrying one request at a time. */
class Connection {
  private readonly socket: net.Socket;
  private parser: Http1ResponseParser | undefined;
  private exchange: Exchange | undefined;
  /** When the connection last went idle, and how long the server keeps an idle connection (its Keep-Alive hint). */
  private idleSince = 0;
  private idleLimitMs = DEFAULT_IDLE_MS;

  constructor(private readonly origin: Origin) {
    const { host, port } = origin;
    this.socket = origin.secure
      ? tls.connect({ host, port, ALPNProtocols: ["http/1.1"], ...(net.isIP(host) ? {} : { servername: host }) })
      : net.connect({ host, port });
    this.socket.setNoDelay(true);
    this.socket.setKeepAlive(true, 1000);
    this.socket.on("data", this.onData);
    this.socket.on("error", this.onError);
    this.socket.on("close", this.onClose);
  }

  get usable(): boolean {
    return !this.socket.destroyed;
  }

  /**
   * Whether an idle connection may carry the next call. One idle for longer than the server keeps it is closed here
   * instead: reusing it would race the server's own close, and that call would fail (a reset, retried as such).
   */
  get fresh(): boolean {
    if (!this.usable) return false;
    if (performance.now() - this.idleSince < this.idleLimitMs) return true;
    this.close();
    return false;
  }

  send(exchange: Exchange): void {
    this.parser = new Http1ResponseParser();
    this.exchange = exchange;
    // An idle socket does not hold the process open (as with node's keep-alive agent); one carrying a call does.
    this.socket.ref();
    exchange.canceller?.onCancel(this.cancel);
    this.socket.write(exchange.request);
  }

  close(): void {
    this.socket.destroy();
  }

  private readonly cancel = (reason: Error): void => {
    this.fail(
      Object.assign(new Error(`The request was aborted: ${reason.message}`, { cause: reason }), {
        name: "AbortError",
        code: "ABORT_ERR",
      }),
    );
  };

  private readonly onData = (chunk: Buffer): void => {
    const parser = this.parser;
    if (!parser) {
      // Bytes nobody asked for on an idle connection: it can no longer be trusted.
      this.close();
      return;
    }
    let response: Http1Response | undefined;
    try {
      response = parser.push(chunk);
    } catch (error) {
      this.fail(error);
      return;
    }
    if (response) this.complete(response);
  };

  private readonly onError = (error: Error): void => {
    this.fail(error);
  };

  private readonly onClose = (): void => {
    this.origin.forget(this);
    const response = this.parser?.end();
    if (response) this.complete(response);
    else if (this.exchange)
      this.fail(codedError("socket hang up: the server closed the connection before the answer ended", "ECONNRESET"));
  };

  private complete(response: Http1Response): void {
    const exchange = this.exchange;
    this.detach();
    const hint = /\btimeout=(\d+)/i.exec(response.headers["keep-alive"] ?? "");
    if (hint) this.idleLimitMs = Math.min(DEFAULT_IDLE_MS, Number(hint[1]) * 1000 - IDLE_MARGIN_MS);
    this.idleSince = performance.now();
    if (response.reusable && this.usable) {
      this.socket.unref();
      this.origin.release(this);
    } else this.close();
    exchange?.resolve(
      new BufferedResponse(response.body, response.status, response.statusText, response.headers, exchange.href),
    );
  }

  private fail(error: unknown): void {
    const exchange = this.exchange;
    this.detach();
    this.close();
    exchange?.reject(error);
  }

  private detach(): void {
    this.exchange?.canceller?.onCancel(undefined);
    this.exchange = undefined;
    this.parser = undefined;
  }
}
