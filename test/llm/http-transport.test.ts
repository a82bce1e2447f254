import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createSecureServer } from "node:http2";
import { type AddressInfo, createServer } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createHttpTransport } from "../../src/llm/http-transport.ts";
import { collectStream, type HttpTransport, type LlmError } from "../../src/llm/index.ts";
import { createMiniMaxModel } from "../../src/llm/providers/minimax.ts";
import { createOpenAICompatibleModel } from "../../src/llm/providers/openai-compatible.ts";
import { startConnectProxy } from "../support/connect-proxy.ts";
import { type FakeLlmServer, presets, startFakeLlmServer } from "../support/fake-llm-server.ts";

// A host name that never resolves: a call that reaches the fake server under it can only have gone through the proxy.
const NOWHERE = "model.invalid";

let server: FakeLlmServer;
let port: number;
let proxy: Awaited<ReturnType<typeof startConnectProxy>>;
const transports: HttpTransport[] = [];

function transport(...args: Parameters<typeof createHttpTransport>): HttpTransport {
  const made = createHttpTransport(...args);
  transports.push(made);
  return made;
}

function openai(baseUrl: string, over: HttpTransport) {
  return createOpenAICompatibleModel({
    id: "m",
    provider: "http",
    baseUrl,
    model: "fake",
    timeoutMs: 60_000,
    transport: over,
  });
}

const hello = { messages: [{ role: "user" as const, content: "hello" }] };

beforeAll(async () => {
  server = await startFakeLlmServer();
  port = Number(new URL(server.url).port);
  proxy = await startConnectProxy(NOWHERE, port);
});
afterAll(async () => {
  await proxy.close();
  await server.close();
});
beforeEach(() => {
  server.reset();
  server.setReply(presets.auto);
  proxy.seen.length = 0;
});
afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
});

describe("the shared HTTP transport", () => {
  it("sends model calls, whole and streamed, through HTTP_PROXY", async () => {
    const model = openai(`http://${NOWHERE}:${port}/v1`, transport({ env: { HTTP_PROXY: proxy.url } }));
    server.setReply(() => "through the proxy");
    expect((await model.chat(hello)).text).toBe("through the proxy");
    expect((await collectStream(model.stream(hello))).text).toBe("through the proxy");
    expect(proxy.seen[0]).toBe(`CONNECT ${NOWHERE}:${port}`);
    expect(server.requests.map((r) => r.stream)).toEqual([false, true]);
    // MiniMax's native path goes the same way.
    const minimax = createMiniMaxModel({
      id: "minimax:M2-her",
      baseUrl: `http://${NOWHERE}:${port}`,
      model: "M2-her",
      apiKey: "k",
      transport: transport({ env: { http_proxy: proxy.url } }),
    });
    expect((await minimax.chat(hello)).text).toBe("through the proxy");
    expect(server.requests.at(-1)?.api).toBe("minimax");
  });

  it("sends https:// calls through HTTPS_PROXY", async () => {
    const model = openai(`https://${NOWHERE}/v1`, transport({ env: { HTTPS_PROXY: proxy.url } }));
    // The proxy refuses the tunnel; what matters is that the call asked it, and failed as a connection problem.
    const error = (await model.chat(hello).catch((e: unknown) => e)) as LlmError;
    expect(proxy.seen).toEqual([`CONNECT ${NOWHERE}:443`]);
    expect(error.name).toBe("LlmError");
    expect(error.retryable).toBe(true);
  });

  it("bypasses the proxy for hosts in NO_PROXY", async () => {
    const over = transport({ env: { HTTP_PROXY: proxy.url, NO_PROXY: "localhost,127.0.0.1" } });
    server.setReply(() => "direct");
    expect((await openai(server.openaiBaseUrl, over).chat(hello)).text).toBe("direct");
    expect(proxy.seen).toEqual([]);
    // Without NO_PROXY the same call is tunnelled (and this proxy refuses 127.0.0.1).
    await expect(
      openai(server.openaiBaseUrl, transport({ env: { HTTP_PROXY: proxy.url } })).chat(hello),
    ).rejects.toMatchObject({ name: "LlmError" });
    expect(proxy.seen).toEqual([`CONNECT 127.0.0.1:${port}`]);
  });

  it("fails an answer over the response-size limit with a clear error, whole or streamed", async () => {
    const model = openai(server.openaiBaseUrl, transport({ env: {}, maxResponseBytes: 2048 }));
    server.setReply(() => "word ".repeat(1000));
    const whole = (await model.chat(hello).catch((e: unknown) => e)) as LlmError;
    expect(whole).toMatchObject({ name: "LlmError", kind: "server" });
    expect(whole.message).toMatch(/is too large\. The response is larger than the 2048-byte limit/);
    expect(whole.hint).toMatch(/base URL/);
    const streamed = (await collectStream(model.stream(hello)).catch((e: unknown) => e)) as LlmError;
    expect(streamed).toMatchObject({ name: "LlmError", kind: "server" });
    expect(streamed.message).toMatch(/2048-byte limit/);
    // Under the limit all is well on the same transport.
    server.setReply(() => "short");
    expect((await model.chat(hello)).text).toBe("short");
  });

  it("enforces the size limit however the body arrives: declared, in one piece, or growing past it", async () => {
    const bodies: Record<string, (res: import("node:http").ServerResponse) => void> = {
      "/declared": (res) => res.writeHead(200, { "content-length": "5000" }).end("x".repeat(5000)),
      // Chunked, the whole body in the same packet as the headers: it ends before an abort could land.
      "/at-once": (res) => res.writeHead(200).end("x".repeat(5000)),
      // Chunked, under the limit at first; the second piece only comes once the first was read.
      "/growing": (res) => {
        res.writeHead(200).write("x".repeat(1500));
        setImmediate(() => res.end("y".repeat(1500)));
      },
      "/fits": (res) => res.writeHead(200).end("x".repeat(2048)),
    };
    const raw = createHttpServer((req, res) => bodies[req.url ?? ""]?.(res));
    raw.listen(0, "127.0.0.1");
    await once(raw, "listening");
    const base = `http://127.0.0.1:${(raw.address() as AddressInfo).port}`;
    const over = transport({ env: {}, maxResponseBytes: 2048 });
    try {
      for (const path of ["/declared", "/at-once", "/growing"]) {
        const error = await over
          .fetch(`${base}${path}`)
          .then((r) => r.text())
          .catch((e: unknown) => e);
        expect(error, path).toBeInstanceOf(TypeError);
        expect((error as Error).cause, path).toMatchObject({ code: "UND_ERR_RES_EXCEEDED_MAX_SIZE" });
      }
      expect((await (await over.fetch(`${base}/fits`)).text()).length).toBe(2048);
    } finally {
      raw.close();
    }
  });

  it("lets downloads share the connections without the size limit", async () => {
    const over = transport({ env: {}, maxResponseBytes: 2048 });
    server.setReply(() => "word ".repeat(1000));
    const body = JSON.stringify({ model: "fake", messages: hello.messages });
    const init = { method: "POST", headers: { "content-type": "application/json" }, body };
    const big = await over.fetchUnlimited(`${server.openaiBaseUrl}/chat/completions`, init);
    expect((await big.text()).length).toBeGreaterThan(5000);
    await expect(over.fetch(`${server.openaiBaseUrl}/chat/completions`, init).then((r) => r.text())).rejects.toThrow();
  });

  it("classifies a connect timeout as a retryable timeout that says it could not connect", async () => {
    // A TCP server that accepts and then never answers the TLS handshake: the connection is never established.
    const silent = createServer(() => {});
    silent.listen(0, "127.0.0.1");
    await once(silent, "listening");
    const silentPort = (silent.address() as AddressInfo).port;
    try {
      const model = openai(`https://127.0.0.1:${silentPort}/v1`, transport({ env: {}, connectTimeoutMs: 100 }));
      const error = (await model.chat(hello).catch((e: unknown) => e)) as LlmError;
      expect(error).toMatchObject({ name: "LlmError", kind: "timeout", retryable: true });
      expect(error.message).toBe(`Could not connect to https://127.0.0.1:${silentPort}/v1 for m in time.`);
      expect(error.hint).toMatch(/NO_PROXY/);
      // MiniMax's path sees the same error from the transport, and says the same.
      const minimax = createMiniMaxModel({
        id: "minimax:M2-her",
        baseUrl: `https://127.0.0.1:${silentPort}`,
        model: "M2-her",
        apiKey: "k",
        transport: transport({ env: {}, connectTimeoutMs: 100 }),
      });
      const viaMiniMax = (await minimax.chat(hello).catch((e: unknown) => e)) as LlmError;
      expect(viaMiniMax).toMatchObject({
        kind: "timeout",
        message: `Could not connect to https://127.0.0.1:${silentPort} for minimax:M2-her in time.`,
      });
    } finally {
      silent.close();
    }
  });

  it("speaks HTTP/2 where the server offers it, whole answers and streams, with the size limit still enforced", async () => {
    const fixtures = `${import.meta.dirname}/fixtures`;
    const cert = readFileSync(`${fixtures}/localhost-cert.pem`, "utf8");
    const versions: string[] = [];
    let text = "over h2";
    // An HTTP/2-only server (no HTTP/1.1 fallback): a call that succeeds here spoke HTTP/2.
    const h2 = createSecureServer({ key: readFileSync(`${fixtures}/localhost-key.pem`), cert, allowHTTP1: false });
    h2.on("request", async (req, res) => {
      versions.push(req.httpVersion);
      let raw = "";
      for await (const chunk of req) raw += chunk;
      const body = JSON.parse(raw) as { stream?: boolean };
      const choice = { index: 0, finish_reason: "stop" };
      if (!body.stream) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            id: "x",
            object: "chat.completion",
            choices: [{ ...choice, message: { role: "assistant", content: text } }],
          }),
        );
        return;
      }
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(
        `data: ${JSON.stringify({ id: "x", object: "chat.completion.chunk", choices: [{ index: 0, delta: { content: text } }] })}\n\n`,
      );
      res.write(
        `data: ${JSON.stringify({ id: "x", object: "chat.completion.chunk", choices: [{ ...choice, delta: {} }] })}\n\n`,
      );
      res.end("data: [DONE]\n\n");
    });
    h2.listen(0, "127.0.0.1");
    await once(h2, "listening");
    const base = `https://127.0.0.1:${(h2.address() as AddressInfo).port}/v1`;
    try {
      const model = openai(base, transport({ env: {}, ca: cert, maxResponseBytes: 4096 }));
      expect((await model.chat(hello)).text).toBe("over h2");
      expect((await collectStream(model.stream(hello))).text).toBe("over h2");
      expect(versions).toEqual(["2.0", "2.0"]);
      text = "word ".repeat(2000);
      await expect(model.chat(hello)).rejects.toMatchObject({ kind: "server", message: /4096-byte limit/ });
      await expect(collectStream(model.stream(hello))).rejects.toMatchObject({ message: /4096-byte limit/ });
    } finally {
      h2.close();
    }
  });
});
