import { type Dispatcher, EnvHttpProxyAgent, errors, fetch as undiciFetch } from "undici";

/**
 * The one HTTP transport of every remote model call and download: a single undici dispatcher, so proxies, HTTP/2,
 * timeouts, limits and connection reuse are decided in one place instead of per provider.
 *
 * - `EnvHttpProxyAgent`: HTTP_PROXY, HTTPS_PROXY and NO_PROXY (or their lower-case forms) are honoured, as curl
 *   and most tools do; behind a corporate proxy troupe works without configuration.
 * - HTTP/2 where the server offers it over TLS (ALPN), HTTP/1.1 keep-alive otherwise; idle connections are pooled
 *   per origin and reused across calls, models and providers.
 * - A connect timeout, so an address that swallows packets fails in seconds rather than hanging a session.
 * - A response-size limit for model calls: a misconfigured base URL or a runaway server cannot fill the memory.
 *   Downloads share the connections without that limit; they check size and checksum themselves.
 */
export interface HttpTransport {
  /** For model calls: answers larger than `maxResponseBytes` fail with `UND_ERR_RES_EXCEEDED_MAX_SIZE`. */
  readonly dispatcher: Dispatcher;
  /** The same connections without the size limit, for model downloads. */
  readonly unlimited: Dispatcher;
  /** undici's fetch over `dispatcher` (a dispatcher only works with the fetch of the same undici). */
  readonly fetch: typeof globalThis.fetch;
  /** undici's fetch over `unlimited`. */
  readonly fetchUnlimited: typeof globalThis.fetch;
  /** Close every pooled connection. */
  close(): Promise<void>;
}

export interface HttpTransportOptions {
  /** Where HTTP_PROXY, HTTPS_PROXY and NO_PROXY are read (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Longest wait for a TCP (and TLS) connection. Default 10 s. */
  connectTimeoutMs?: number;
  /** Largest response body a model call accepts. Default 32 MiB. */
  maxResponseBytes?: number;
  /**
   * PEM certificates to trust instead of Node's bundled authorities (tests with a local TLS server). Users add a
   * corporate authority with NODE_EXTRA_CA_CERTS instead, which keeps the bundled ones.
   */
  ca?: string;
}

/** Default connect timeout: long enough for a slow TLS handshake across the world, short enough to notice. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** Default response limit: a long chat answer is kilobytes; 32 MiB leaves room for anything a model server sends. */
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/** Build a transport (tests pass their own proxy environment and limits; everything else shares one). */
export function createHttpTransport(options: HttpTransportOptions = {}): HttpTransport {
  const env = options.env ?? process.env;
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const timeout = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const tls = options.ca === undefined ? {} : { ca: options.ca };
  // Read the variables here rather than letting undici fall back to process.env, so a given env is the whole truth.
  const base = new EnvHttpProxyAgent({
    httpProxy: env["http_proxy"] ?? env["HTTP_PROXY"] ?? "",
    httpsProxy: env["https_proxy"] ?? env["HTTPS_PROXY"] ?? "",
    noProxy: env["no_proxy"] ?? env["NO_PROXY"] ?? "",
    allowH2: true,
    connect: { timeout, ...tls },
    // Through a proxy: the same limits for the connection to the proxy and for the tunnelled one to the server.
    proxyTls: { timeout },
    requestTls: { timeout, ...tls },
    // Attempts are timed by troupe's own deadline (attempt-deadline.ts), per endpoint; undici's 300 s header and body
    // timeouts would cut a slow local server that the user gave a longer timeoutMs.
    headersTimeout: 0,
    bodyTimeout: 0,
    keepAliveTimeout: 10_000,
  });
  const dispatcher = base.compose(limitResponseSize(maxResponseBytes));
  const fetchOver =
    (over: Dispatcher): typeof globalThis.fetch =>
    (input, init) =>
      undiciFetch(input as Parameters<typeof undiciFetch>[0], {
        ...(init as Parameters<typeof undiciFetch>[1]),
        dispatcher: over,
      }) as unknown as Promise<Response>;
  return {
    dispatcher,
    unlimited: base,
    fetch: fetchOver(dispatcher),
    fetchUnlimited: fetchOver(base),
    close: () => base.close(),
  };
}

let shared: HttpTransport | undefined;

/** The process-wide transport every provider uses unless a test gives its own; built on first use. */
export function sharedHttpTransport(): HttpTransport {
  shared ??= createHttpTransport();
  return shared;
}

/** An undici interceptor that fails a response whose body outgrows `maxBytes` (declared or as it arrives). */
function limitResponseSize(maxBytes: number): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (opts, handler) => dispatch(opts, new SizeLimitedHandler(handler, maxBytes));
}

function tooLarge(bytes: number, maxBytes: number): Error {
  return new errors.ResponseExceededMaxSizeError(
    `The response is larger than the ${maxBytes}-byte limit (${bytes} bytes or more).`,
  );
}

// undici's own maxResponseSize covers HTTP/1.1 connections only; this also covers HTTP/2.
class SizeLimitedHandler implements Dispatcher.DispatchHandler {
  private received = 0;
  /** Set once the body outgrew the limit; nothing more is passed on. */
  private failure: Error | undefined;
  private settled = false;

  constructor(
    private readonly inner: Dispatcher.DispatchHandler,
    private readonly maxBytes: number,
  ) {}

  onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    this.inner.onRequestStart?.(controller, context);
  }

  onRequestUpgrade(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Parameters<NonNullable<Dispatcher.DispatchHandler["onRequestUpgrade"]>>[2],
    socket: Parameters<NonNullable<Dispatcher.DispatchHandler["onRequestUpgrade"]>>[3],
  ): void {
    this.inner.onRequestUpgrade?.(controller, statusCode, headers, socket);
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Parameters<NonNullable<Dispatcher.DispatchHandler["onResponseStart"]>>[2],
    statusMessage?: string,
  ): void {
    const declared = Number(headers["content-length"]);
    // Refuse before reading a byte when the server says up front that the body is too large.
    if (declared > this.maxBytes) {
      controller.abort(tooLarge(declared, this.maxBytes));
      return;
    }
    this.inner.onResponseStart?.(controller, statusCode, headers, statusMessage);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.failure) return;
    this.received += chunk.length;
    if (this.received <= this.maxBytes) {
      this.inner.onResponseData?.(controller, chunk);
      return;
    }
    this.failure = tooLarge(this.received, this.maxBytes);
    controller.pause();
    // Not in this tick: undici's fetch attaches its body error listeners a few microtasks after the headers, and an
    // error raised in the same tick as the headers is lost (the fetch then never settles).
    setImmediate(() => {
      if (!this.settled) controller.abort(this.failure as Error);
    });
  }

  onResponseEnd(
    controller: Dispatcher.DispatchController,
    trailers: Parameters<NonNullable<Dispatcher.DispatchHandler["onResponseEnd"]>>[1],
  ): void {
    if (this.settled) return;
    this.settled = true;
    const failure = this.failure;
    // The whole oversized body arrived before the abort could land: fail it all the same (later, as above).
    if (failure) setImmediate(() => this.inner.onResponseError?.(controller, failure));
    else this.inner.onResponseEnd?.(controller, trailers);
  }

  onResponseError(controller: Dispatcher.DispatchController, error: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.inner.onResponseError?.(controller, error);
  }
}
