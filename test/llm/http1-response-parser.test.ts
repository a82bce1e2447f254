import { describe, expect, it } from "vitest";
import { Http1ProtocolError, Http1ResponseParser } from "../../src/llm/http1-response-parser.ts";

const bytes = (text: string) => Buffer.from(text, "utf8");

/** Feed `wire` in pieces cut at `cuts`; returns the response and the index of the piece that completed it. */
function feed(wire: Buffer, cuts: number[]) {
  const parser = new Http1ResponseParser();
  const points = [0, ...cuts, wire.length];
  for (let i = 0; i + 1 < points.length; i++) {
    const response = parser.push(wire.subarray(points[i], points[i + 1]));
    if (response) return { response, piece: i, pieces: points.length - 1 };
  }
  return { response: undefined, piece: -1, pieces: points.length - 1, parser };
}

const lengthFramed = bytes(
  'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 25\r\nX-Twice: a\r\nx-twice: b\r\n\r\n{"text":"héllo, 世界"}',
);
const chunked = bytes(
  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n",
);

describe("HTTP/1.1 response parser", () => {
  it("reads a Content-Length body, names lower-cased and repeats joined, whatever the packet boundaries", () => {
    expect(Buffer.byteLength('{"text":"héllo, 世界"}')).toBe(25);
    for (let cut = 1; cut < lengthFramed.length; cut++) {
      const { response, piece, pieces } = feed(lengthFramed, [cut]);
      expect(response?.status).toBe(200);
      expect(response?.statusText).toBe("OK");
      expect(response?.headers["content-type"]).toBe("application/json");
      expect(response?.headers["x-twice"]).toBe("a, b");
      expect(response?.body.toString()).toBe('{"text":"héllo, 世界"}');
      expect(response?.reusable).toBe(true);
      // Never before the last byte.
      expect(piece).toBe(pieces - 1);
    }
  });

  it("decodes chunked bodies (extensions and trailers too) split anywhere, even a byte at a time", () => {
    for (let cut = 1; cut < chunked.length; cut++) {
      const { response } = feed(chunked, [cut]);
      expect(response?.body.toString()).toBe("hello, world");
      expect(response?.reusable).toBe(true);
    }
    const everyByte = Array.from({ length: chunked.length - 1 }, (_, i) => i + 1);
    expect(feed(chunked, everyByte).response?.body.toString()).toBe("hello, world");
  });

  it("skips interim 1xx responses and reads empty bodies (204, Content-Length 0) without waiting", () => {
    const interim = bytes("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n");
    const final = bytes("HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok");
    expect(feed(Buffer.concat([interim, final]), []).response).toMatchObject({ status: 201 });
    expect(feed(bytes("HTTP/1.1 204 No Content\r\n\r\n"), []).response?.body.length).toBe(0);
    expect(feed(bytes("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), []).response?.body.length).toBe(0);
  });

  it("reads a body that ends with the connection, and reports the connection as spent", () => {
    const parser = new Http1ResponseParser();
    expect(parser.push(bytes("HTTP/1.1 200 OK\r\n\r\npart one, "))).toBeUndefined();
    expect(parser.push(bytes("part two"))).toBeUndefined();
    const response = parser.end();
    expect(response?.body.toString()).toBe("part one, part two");
    expect(response?.reusable).toBe(false);
  });

  it("marks the connection spent after connection: close, an HTTP/1.0 answer, or bytes nobody asked for", () => {
    const close = feed(bytes("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx"), []);
    expect(close.response?.reusable).toBe(false);
    const old = feed(bytes("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx"), []);
    expect(old.response?.reusable).toBe(false);
    const oldKept = feed(bytes("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx"), []);
    expect(oldKept.response?.reusable).toBe(true);
    const extra = feed(bytes("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxHTTP/1.1 200 OK\r\n"), []);
    expect(extra.response?.body.toString()).toBe("x");
    expect(extra.response?.reusable).toBe(false);
  });

  it("leaves a truncated answer unfinished: end() gives nothing unless the body is framed by the close", () => {
    const parser = new Http1ResponseParser();
    expect(parser.push(bytes("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"))).toBeUndefined();
    expect(parser.end()).toBeUndefined();
    const chunks = new Http1ResponseParser();
    expect(chunks.push(bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel"))).toBeUndefined();
    expect(chunks.end()).toBeUndefined();
  });

  it("rejects what is not HTTP/1.x framing, naming the problem", () => {
    const bad = (text: string) => () => new Http1ResponseParser().push(bytes(text));
    expect(bad("SSH-2.0-OpenSSH_9.2\r\n\r\n")).toThrow(/status line/);
    expect(bad("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n")).toThrow(/header line/);
    expect(bad("HTTP/1.1 200 OK\r\nContent-Length: 3, 4\r\n\r\n")).toThrow(/content-length/);
    expect(bad("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n")).toThrow(/content-length/);
    expect(bad("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n")).toThrow(/transfer-encoding/);
    expect(bad("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")).toThrow(/chunk size/);
    expect(bad("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY")).toThrow(/CRLF/);
    expect(bad("HTTP/1.1 101 Switching Protocols\r\n\r\n")).toThrow(/switched protocols/);
    expect(bad(`HTTP/1.1 200 OK\r\nX: ${"y".repeat(70_000)}`)).toThrow(/too large/);
    expect(bad("HTTP/1.1 200 OK\r\n\r\n")).not.toThrow();
    try {
      bad("nonsense\r\n\r\n")();
    } catch (error) {
      expect(error).toBeInstanceOf(Http1ProtocolError);
      expect((error as Http1ProtocolError).code).toBe("HPE_INVALID_RESPONSE");
    }
    // Repeated identical lengths are one length (RFC 9110 §8.6).
    expect(feed(bytes("HTTP/1.1 200 OK\r\nContent-Length: 1, 1\r\n\r\nx"), []).response?.body.toString()).toBe("x");
  });
});
