/** A complete HTTP/1.1 response read off a connection. */
export interface Http1Response {
  status: number;
  statusText: string;
  /** Lower-case names; repeated headers joined with ", " (as node's IncomingMessage does). */
  headers: Record<string, string>;
  body: Buffer;
  /** Whether the connection may carry another request (false after `connection: close`, HTTP/1.0 or a close-delimited body). */
  reusable: boolean;
}

/** A response the parser cannot make sense of; the connection is unusable after it. */
export class Http1ProtocolError extends Error {
  readonly code = "HPE_INVALID_RESPONSE";
}

const EMPTY = Buffer.alloc(0);
const CRLF = Buffer.from("\r\n");
const HEAD_END = Buffer.from("\r\n\r\n");
// Larger than any real header block (node's own limit is 16 KiB): past this the peer is not speaking HTTP.
const MAX_HEAD_BYTES = 64 * 1024;
const MAX_CHUNK_LINE_BYTES = 4096;
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/;

type Phase = "head" | "length" | "chunk-size" | "chunk-data" | "chunk-end" | "trailer" | "close" | "done";

/**
 * Incremental parser for the one response to a request (no pipelining): feed it the bytes as they arrive and it
 * returns the response once the last byte is in. Bodies framed by Content-Length, chunked transfer coding, or the
 * end of the connection; 1xx interim responses are skipped. Pure (no I/O), so every framing and split is testable.
 */
export class Http1ResponseParser {
  private phase: Phase = "head";
  /** Bytes not yet consumed (head, chunk-size lines, trailers). */
  private pending: Buffer = EMPTY;
  private parts: Buffer[] = [];
  /** Body bytes still expected in the current length-framed body or chunk. */
  private left = 0;
  private status = 0;
  private statusText = "";
  private headers: Record<string, string> = {};
  private reusable = true;

  /** Feed bytes; returns the response when it is complete. Throws `Http1ProtocolError` on a malformed response. */
  push(chunk: Buffer): Http1Response | undefined {
    let data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = EMPTY;
    while (data.length > 0) {
      switch (this.phase) {
        case "head": {
          const end = this.find(data, HEAD_END, MAX_HEAD_BYTES, "The response header block is too large.");
          if (end < 0) return undefined;
          this.readHead(data.toString("latin1", 0, end));
          data = data.subarray(end + 4);
          // readHead moved the phase on (TypeScript's narrowing does not see that).
          if ((this.phase as Phase) === "done") return this.finish(data);
          break;
        }
        case "length": {
          if (data.length < this.left) {
            this.parts.push(data);
            this.left -= data.length;
            return undefined;
          }
          this.parts.push(data.subarray(0, this.left));
          data = data.subarray(this.left);
          this.left = 0;
          this.phase = "done";
          return this.finish(data);
        }
        case "chunk-size":
        case "trailer": {
          const end = this.find(data, CRLF, MAX_CHUNK_LINE_BYTES, "A chunk-size line is too long.");
          if (end < 0) return undefined;
          const line = data.toString("latin1", 0, end);
          data = data.subarray(end + 2);
          if (this.phase === "trailer") {
            if (line === "") {
              this.phase = "done";
              return this.finish(data);
            }
            break;
          }
          const size = /^([0-9a-fA-F]{1,8})[ \t]*(?:;.*)?$/.exec(line);
          if (!size) throw new Http1ProtocolError(`Invalid chunk size "${line.slice(0, 40)}".`);
          this.left = Number.parseInt(size[1] as string, 16);
          this.phase = this.left === 0 ? "trailer" : "chunk-data";
          break;
        }
        case "chunk-data": {
          const take = Math.min(this.left, data.length);
          this.parts.push(data.subarray(0, take));
          this.left -= take;
          data = data.subarray(take);
          if (this.left === 0) this.phase = "chunk-end";
          break;
        }
        case "chunk-end": {
          if (data.length < 2) {
            this.pending = data;
            return undefined;
          }
          if (data[0] !== 13 || data[1] !== 10) throw new Http1ProtocolError("A chunk does not end in CRLF.");
          data = data.subarray(2);
          this.phase = "chunk-size";
          break;
        }
        case "close":
          this.parts.push(data);
          return undefined;
        case "done":
          return this.finish(data);
      }
    }
    return undefined;
  }

  /**
   * The connection ended. Completes a body framed by the end of the connection; anything else unfinished is a
   * truncated response and throws (the caller reports it as a reset connection).
   */
  end(): Http1Response | undefined {
    if (this.phase === "close") {
      this.phase = "done";
      return this.finish(EMPTY);
    }
    return undefined;
  }

  /**
   * Where `terminator` starts in `data`; -1 when it has not arrived yet, the bytes then kept for the next push
   * (throws when more than `limit` of them pile up: the peer is not sending HTTP framing).
   */
  private find(data: Buffer, terminator: Buffer, limit: number, tooLong: string): number {
    const end = data.indexOf(terminator);
    if (end < 0) {
      if (data.length > limit) throw new Http1ProtocolError(tooLong);
      this.pending = data;
    }
    return end;
  }

  private readHead(text: string): void {
    const lines = text.split("\r\n");
    const status = STATUS_LINE.exec(lines[0] as string);
    if (!status) throw new Http1ProtocolError(`Not an HTTP/1.x status line: "${(lines[0] ?? "").slice(0, 60)}".`);
    const code = Number(status[2]);
    const headers: Record<string, string> = {};
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i] as string;
      const colon = line.indexOf(":");
      if (colon <= 0) throw new Http1ProtocolError(`Invalid header line "${line.slice(0, 60)}".`);
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
    }
    // Interim responses (100 Continue, 103 Early Hints) precede the real one on the same connection.
    if (code >= 100 && code < 200) {
      if (code === 101)
        throw new Http1ProtocolError("The server switched protocols (HTTP 101), which a JSON call cannot use.");
      return;
    }
    this.status = code;
    this.statusText = status[3] ?? "";
    this.headers = headers;
    const connection = (headers["connection"] ?? "").toLowerCase();
    if (/\bclose\b/.test(connection) || (status[1] === "0" && !/\bkeep-alive\b/.test(connection)))
      this.reusable = false;
    if (code === 204 || code === 304) {
      this.phase = "done";
      return;
    }
    const coding = headers["transfer-encoding"];
    if (coding !== undefined) {
      if (!/(?:^|,)\s*chunked\s*$/i.test(coding))
        throw new Http1ProtocolError(`Unsupported transfer-encoding "${coding}".`);
      this.phase = "chunk-size";
      return;
    }
    const length = headers["content-length"];
    if (length !== undefined) {
      // Repeated identical values are allowed (RFC 9110 §8.6); differing ones make the framing ambiguous.
      const values = new Set(length.split(",").map((v) => v.trim()));
      const only = [...values][0] as string;
      if (values.size !== 1 || !/^\d{1,15}$/.test(only))
        throw new Http1ProtocolError(`Invalid content-length "${length.slice(0, 40)}".`);
      this.left = Number(only);
      this.phase = this.left === 0 ? "done" : "length";
      return;
    }
    this.phase = "close";
    this.reusable = false;
  }

  private finish(rest: Buffer): Http1Response {
    // Bytes after the response: the server sent something unasked for, so the connection is not trusted again.
    const reusable = this.reusable && rest.length === 0;
    const body = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts);
    return { status: this.status, statusText: this.statusText, headers: this.headers, body, reusable };
  }
}
