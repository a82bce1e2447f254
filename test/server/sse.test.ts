// The SSE writer on a real socket: merged headers, event framing, backpressure, pings, and client-close detection.
import Fastify, { type FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { closeOpenStreams, openSse, type SseStream, sseEvent } from "../../src/server/sse.ts";
import { waitUntil } from "../support/wait-until.ts";

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** Start an app whose GET /s opens a stream and hands it to `use`. */
async function serve(use: (sse: SseStream) => Promise<void>, pingMs = 0): Promise<string> {
  // Close every socket on close(): fetch may keep a spare connection open after an abort.
  app = Fastify({ logger: false, forceCloseConnections: true });
  app.get("/s", async (request, reply) => {
    reply.header("x-ratelimit-remaining", "7");
    const sse = openSse(request, reply, { pingMs });
    await use(sse);
  });
  return `${await app.listen({ port: 0, host: "127.0.0.1" })}/s`;
}

describe("sseEvent", () => {
  it("frames data, splitting lines, with an optional event name", () => {
    expect(sseEvent('{"a":1}')).toBe('data: {"a":1}\n\n');
    expect(sseEvent("one\ntwo", "note")).toBe("event: note\ndata: one\ndata: two\n\n");
  });
});

describe("openSse", () => {
  it("keeps headers set before the hijack and writes events until end()", async () => {
    const url = await serve(async (sse) => {
      expect(await sse.send("first")).toBe(true);
      await sse.send("second", "named");
      sse.end();
      sse.end();
    });
    const response = await fetch(url);
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("no-cache, no-transform");
    expect(response.headers.get("x-accel-buffering")).toBe("no");
    expect(response.headers.get("x-ratelimit-remaining")).toBe("7");
    expect(await response.text()).toBe("data: first\n\nevent: named\ndata: second\n\n");
  });

  it("waits for drain under backpressure and delivers every byte", async () => {
    const piece = "x".repeat(64 * 1024);
    const count = 200;
    const url = await serve(async (sse) => {
      for (let i = 0; i < count; i++) await sse.send(piece);
      sse.end();
    });
    const text = await (await fetch(url)).text();
    expect(text.length).toBe(count * sseEvent(piece).length);
  });

  it("sends ': ping' comments while idle", async () => {
    let release!: () => void;
    const idle = new Promise<void>((resolve) => {
      release = resolve;
    });
    const url = await serve(async (sse) => {
      await idle;
      sse.end();
    }, 5);
    const response = await fetch(url);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let seen = "";
    await waitUntil(async () => {
      const { value } = await reader.read();
      seen += decoder.decode(value);
      return seen.includes(": ping\n\n");
    }, 0);
    release();
    await reader.cancel();
    expect(seen.startsWith(": ping\n\n")).toBe(true);
  });

  it("aborts its signal and resolves closed when the client leaves, and stops writing", async () => {
    let stream: SseStream | undefined;
    const url = await serve(async (sse) => {
      stream = sse;
      await sse.send("hello");
      await sse.closed;
    });
    const controller = new AbortController();
    const response = await fetch(url, { signal: controller.signal });
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    await waitUntil(() => stream?.signal.aborted === true);
    await stream!.closed;
    expect(stream!.isClosed).toBe(true);
    expect(await stream!.send("after")).toBe(false);
  });

  it("does not abort when the server ends the stream itself", async () => {
    let stream: SseStream | undefined;
    const url = await serve(async (sse) => {
      stream = sse;
      await sse.send("bye");
      sse.end();
    });
    await (await fetch(url)).text();
    await stream!.closed;
    expect(stream!.signal.aborted).toBe(false);
  });

  it("cuts open streams on shutdown so close() does not wait for them, aborting their signals", async () => {
    let stream: SseStream | undefined;
    const url = await serve(async (sse) => {
      stream = sse;
      await sse.send("still talking");
      await sse.closed;
    });
    const response = await fetch(url);
    const reader = response.body!.getReader();
    await reader.read();
    expect(closeOpenStreams(app!)).toBe(1);
    await stream!.closed;
    expect(stream!.signal.aborted).toBe(true);
    expect(closeOpenStreams(app!)).toBe(0);
    await reader.read().catch(() => undefined);
  });
});
