import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type CallCanceller, http1Post, http1Target } from "../../src/llm/http1-post.ts";

type Handler = (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void;

let server: http.Server;
let base: string;
let handler: Handler;
let connections = 0;
const sockets = new Set<Socket>();

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => handler(req, Buffer.concat(parts).toString("utf8"), res));
  });
  server.on("connection", (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(async () => {
  // Start every test from no open connection, the client having seen them close.
  for (const socket of sockets) socket.destroy();
  await new Promise((r) => setTimeout(r, 20));
  connections = 0;
  handler = (req, body, res) => {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ url: req.url, headers: req.headers, body }));
  };
});

const target = (path = "/v1/chat/completions?api-version=1", headers: Record<string, string> = {}) =>
  http1Target(`${base}${path}`, { "content-type": "application/json", authorization: "Bearer k", ...headers });

async function echo(path?: string, body = '{"q":"héllo 世界"}') {
  const response = await http1Post(target(path), Buffer.from(body));
  return { response, sent: (await response.json()) as { url: string; headers: Record<string, string>; body: string } };
}

describe("http1Post", () => {
  it("sends the request line, host, length and headers as given, and reads the answer whole", async () => {
    const { response, sent } = await echo();
    expect(response.status).toBe(200);
    expect(response.ok).toBe(true);
    expect(response.headers.get("Content-Type")).toBe("application/json");
    expect(sent.url).toBe("/v1/chat/completions?api-version=1");
    expect(sent.body).toBe('{"q":"héllo 世界"}');
    expect(sent.headers["host"]).toBe(new URL(base).host);
    expect(sent.headers["content-length"]).toBe(String(Buffer.byteLength('{"q":"héllo 世界"}')));
    expect(sent.headers["authorization"]).toBe("Bearer k");
    expect(sent.headers["connection"]).toBe("keep-alive");
  });

  it("keeps connections alive: calls one after another share one, calls side by side get their own", async () => {
    for (let i = 0; i < 5; i++) await echo();
    expect(connections).toBe(1);
    const together = await Promise.all(Array.from({ length: 4 }, (_, i) => echo(`/p${i}`)));
    expect(together.map((t) => t.sent.url)).toEqual(["/p0", "/p1", "/p2", "/p3"]);
    expect(connections).toBe(4);
    // Back to sequential: the warm connections are reused, no new one opened.
    for (let i = 0; i < 5; i++) await echo();
    expect(connections).toBe(4);
  });

  it("reads chunked answers and answers that end with the connection, then opens a fresh connection", async () => {
    handler = (_req, _body, res) => {
      res.write('{"a":');
      setTimeout(() => res.end("1}"), 5);
    };
    expect(await (await http1Post(target(), Buffer.from("{}"))).json()).toEqual({ a: 1 });
    handler = (_req, _body, res) => {
      res.setHeader("connection", "close");
      res.end('{"closed":true}');
    };
    expect(await (await http1Post(target(), Buffer.from("{}"))).json()).toEqual({ closed: true });
    handler = (_req, _body, res) => res.end("{}");
    await http1Post(target(), Buffer.from("{}"));
    expect(connections).toBe(2);
  });

  it("carries HTTP error statuses as answers, body and headers intact", async () => {
    handler = (_req, _body, res) => {
      res.writeHead(429, { "retry-after": "7", "content-type": "application/json" });
      res.end('{"error":{"message":"slow down"}}');
    };
    const response = await http1Post(target(), Buffer.from("{}"));
    expect(response.status).toBe(429);
    expect(response.ok).toBe(false);
    expect(response.headers.get("retry-after")).toBe("7");
    expect(await response.text()).toContain("slow down");
  });

  it("survives the server closing idle connections: the next call opens a new one", async () => {
    await echo();
    for (const socket of sockets) socket.end();
    await new Promise((r) => setTimeout(r, 50));
    expect((await echo()).response.status).toBe(200);
    expect(connections).toBe(2);
  });

  it("stops trusting an idle connection a second before the server's Keep-Alive timeout would close it", async () => {
    const keepAlive = server.keepAliveTimeout;
    server.keepAliveTimeout = 2000; // node announces "Keep-Alive: timeout=2"
    try {
      await echo();
      await new Promise((r) => setTimeout(r, 200));
      await echo();
      expect(connections).toBe(1);
      await new Promise((r) => setTimeout(r, 1100));
      await echo();
      expect(connections).toBe(2);
    } finally {
      server.keepAliveTimeout = keepAlive;
    }
  });

  it("does not resend a call whose connection broke: that is the retry policy's decision", async () => {
    await echo();
    let seen = 0;
    handler = (req) => {
      seen++;
      req.socket.destroy();
    };
    await expect(http1Post(target(), Buffer.from("{}"))).rejects.toMatchObject({ code: "ECONNRESET" });
    expect(seen).toBe(1);
  });

  it("fails with node's codes when the connection breaks or nobody listens", async () => {
    handler = (req) => req.socket.destroy();
    await expect(http1Post(target(), Buffer.from("{}"))).rejects.toMatchObject({ code: "ECONNRESET" });
    handler = (_req, _body, res) => {
      res.writeHead(200, { "content-length": "100" });
      res.write("only part of it");
      setTimeout(() => res.socket?.destroy(), 5);
    };
    await expect(http1Post(target(), Buffer.from("{}"))).rejects.toMatchObject({ code: "ECONNRESET" });
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const nobody = http1Target(`http://127.0.0.1:${port}/v1`, {});
    await expect(http1Post(nobody, Buffer.from("{}"))).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });

  it("stops a call when its canceller fires, and closes that connection", async () => {
    handler = () => {}; // never answers
    let cancel: ((reason: Error) => void) | undefined;
    const canceller: CallCanceller = { onCancel: (c) => (cancel = c) };
    const pending = http1Post(target(), Buffer.from("{}"), canceller);
    await new Promise((r) => setTimeout(r, 30));
    expect(cancel).toBeTypeOf("function");
    cancel?.(new Error("timed out after 30 ms"));
    await expect(pending).rejects.toMatchObject({ name: "AbortError", message: /timed out after 30 ms/ });
    // The call's hook is removed once it ends, and its connection is gone.
    expect(cancel).toBeUndefined();
    await new Promise((r) => setTimeout(r, 30));
    expect(sockets.size).toBe(0);
  });

  it("refuses header names and values that could split the request", () => {
    expect(() => http1Target(`${base}/v1`, { "x-bad": "a\r\nx-injected: 1" })).toThrow(TypeError);
    expect(() => http1Target(`${base}/v1`, { "bad name": "a" })).toThrow(TypeError);
    expect(() => http1Target("ftp://example.com/v1", {})).toThrow(/http: or https:/);
  });
});

describe("http1Post over TLS", () => {
  let dir: string;
  let secure: https.Server;
  let secureBase: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "troupe-tls-"));
    execFileSync(
      "openssl",
      [
        ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"],
        ...["-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-subj", "/CN=localhost"],
        ...["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
      ],
      { stdio: "ignore" },
    );
    secure = https.createServer(
      { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) },
      (req, res) => {
        req.resume();
        req.on("end", () => res.end(JSON.stringify({ secure: true, host: req.headers.host })));
      },
    );
    await new Promise<void>((r) => secure.listen(0, "127.0.0.1", r));
    secureBase = `https://localhost:${(secure.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    secure.closeAllConnections();
    await new Promise<void>((r) => secure.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it("verifies the server's certificate: one this process does not trust is refused", async () => {
    await expect(http1Post(http1Target(`${secureBase}/v1`, {}), Buffer.from("{}"))).rejects.toMatchObject({
      code: expect.stringMatching(/SELF_SIGNED|UNABLE_TO_VERIFY/),
    });
  });

  it("talks HTTPS to a trusted server, and an idle pool does not keep the process alive", async () => {
    // A child process that trusts the test certificate (NODE_EXTRA_CA_CERTS is read at start-up only). It exits on
    // its own after the call only if idle keep-alive connections are unreferenced.
    const script = join(dir, "call.mts");
    const module = resolve(import.meta.dirname, "../../src/llm/http1-post.ts");
    writeFileSync(
      script,
      `import { http1Post, http1Target } from ${JSON.stringify(module)};
const response = await http1Post(http1Target(${JSON.stringify(`${secureBase}/v1`)}, {}), Buffer.from("{}"));
console.log(await response.text());`,
    );
    const child = spawn(process.execPath, ["--import", "tsx", script], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, "cert.pem") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => (out += c));
    child.stderr.on("data", (c: Buffer) => (err += c));
    const code = await new Promise<number | null>((r) => child.on("exit", r));
    expect(err).toBe("");
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({ secure: true, host: new URL(secureBase).host });
  }, 30_000);
});
