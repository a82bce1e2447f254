import type { IncomingHttpHeaders } from "node:http";

/** Response headers with the read-only part of the fetch `Headers` API (names are case-insensitive). */
class BufferedHeaders {
  private readonly map = new Map<string, string>();

  constructor(raw: IncomingHttpHeaders) {
    for (const [name, value] of Object.entries(raw)) {
      if (value !== undefined) this.map.set(name.toLowerCase(), Array.isArray(value) ? value.join(", ") : value);
    }
  }
  get(name: string): string | null {
    return this.map.get(name.toLowerCase()) ?? null;
  }
  has(name: string): boolean {
    return this.map.has(name.toLowerCase());
  }
  entries(): IterableIterator<[string, string]> {
    return this.map.entries();
  }
  keys(): IterableIterator<string> {
    return this.map.keys();
  }
  values(): IterableIterator<string> {
    return this.map.values();
  }
  forEach(callback: (value: string, name: string, headers: BufferedHeaders) => void): void {
    for (const [name, value] of this.map) callback(value, name, this);
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.map.entries();
  }
}

/**
 * A complete HTTP answer held in memory, with the reading half of the fetch `Response` API. Building a WHATWG
 * Response costs about as much CPU as the whole rest of a model call (its Headers validation and body stream);
 * a JSON answer already read whole needs neither, so it gets this instead. `body` becomes a stream only when
 * someone asks for it (the MiniMax provider's incremental parser does).
 */
export class BufferedResponse {
  readonly ok: boolean;
  readonly redirected = false;
  readonly type = "basic";
  readonly headers: BufferedHeaders;
  private used = false;
  private stream: ReadableStream<Uint8Array> | null | undefined;

  constructor(
    private readonly bytes: Buffer,
    readonly status: number,
    readonly statusText: string,
    headers: IncomingHttpHeaders,
    readonly url: string,
  ) {
    this.ok = status >= 200 && status < 300;
    this.headers = new BufferedHeaders(headers);
  }

  get bodyUsed(): boolean {
    return this.used;
  }

  /** The same stream on every access, as with fetch (callers test `body` and then read it). */
  get body(): ReadableStream<Uint8Array> | null {
    if (this.stream !== undefined) return this.stream;
    if (this.bytes.length === 0) {
      this.stream = null;
      return null;
    }
    const bytes = this.consume();
    this.stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
        controller.close();
      },
    });
    return this.stream;
  }

  async text(): Promise<string> {
    return this.consume().toString("utf8");
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = this.consume();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  clone(): BufferedResponse {
    if (this.used) throw new TypeError("Response body is already used");
    return new BufferedResponse(this.bytes, this.status, this.statusText, Object.fromEntries(this.headers), this.url);
  }

  private consume(): Buffer {
    if (this.used) throw new TypeError("Response body is already used");
    this.used = true;
    return this.bytes;
  }
}
