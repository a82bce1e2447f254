import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeHttpFetch } from "../../src/llm/node-http-fetch.ts";

let server: http.Server;
let base: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      if (req.url === "/json") {
        res.writeHead(200, { "content-type": "application/json", "x-echo": req.headers["x-test"] ?? "" });
        res.end(JSON.stringify({ method: req.method, body, auth: req.headers.authorization }));
      } else if (req.url === "/sse") {
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.write("data: one\n\n");
        setTimeout(() => res.end("data: two\n\n"), 20);
      } else if (req.url === "/empty") {
        res.writeHead(204).end();
      } else if (req.url === "/slow") {
        setTimeout(() => res.end("late"), 5_000);
      } else {
        res.writeHead(429, { "retry-after": "3" }).end("busy");
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe("nodeHttpFetch", () => {
  it("sends method, headers and body, and returns status, headers and a JSON body", async () => {
    const r = await nodeHttpFetch(`${base}/json`, {
      method: "POST",
      headers: { "x-test": "hi", authorization: "Bearer k" },
      body: '{"a":1}',
    });
    expect(r.status).toBe(200);
    expect(r.ok).toBe(true);
    expect(r.headers.get("x-echo")).toBe("hi");
    expect(await r.json()).toEqual({ method: "POST", body: '{"a":1}', auth: "Bearer k" });
  });

  it("sends a string body with characters beyond ASCII as its UTF-8 bytes, and a byte body as it is", async () => {
    const text = '{"q":"月光下的灯塔 🌙 — café"}';
    const asString = await nodeHttpFetch(`${base}/json`, { method: "POST", body: text });
    expect(((await asString.json()) as { body: string }).body).toBe(text);
    const asBytes = await nodeHttpFetch(`${base}/json`, { method: "POST", body: new TextEncoder().encode(text) });
    expect(((await asBytes.json()) as { body: string }).body).toBe(text);
  });

  it("hands buffered answers over with fetch's reading rules: one body, one stream, case-insensitive headers", async () => {
    const r = await nodeHttpFetch(`${base}/json`, { method: "POST", body: "x" });
    expect(r.headers.get("Content-Type")).toBe("application/json");
    expect([...r.headers.entries()].some(([k]) => k === "x-echo")).toBe(true);
    const copy = r.clone();
    expect(r.body).toBe(r.body);
    expect(r.bodyUsed).toBe(true);
    await expect(r.text()).rejects.toThrow(/already used/);
    const chunks: Uint8Array[] = [];
    for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk);
    expect(JSON.parse(Buffer.concat(chunks).toString()).body).toBe("x");
    expect(((await copy.json()) as { body: string }).body).toBe("x");
  });

  it("keeps event streams streaming", async () => {
    const r = await nodeHttpFetch(`${base}/sse`);
    const reader = r.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe("data: one\n\n");
    let rest = "";
    for (let next = await reader.read(); !next.done; next = await reader.read())
      rest += new TextDecoder().decode(next.value);
    expect(rest).toBe("data: two\n\n");
  });

  it("handles bodiless statuses and error statuses", async () => {
    expect((await nodeHttpFetch(`${base}/empty`)).status).toBe(204);
    const busy = await nodeHttpFetch(`${base}/other`);
    expect(busy.status).toBe(429);
    expect(busy.headers.get("retry-after")).toBe("3");
    expect(await busy.text()).toBe("busy");
  });

  it("aborts with the caller's signal and reports refused connections with their system code", async () => {
    const controller = new AbortController();
    const pending = nodeHttpFetch(`${base}/slow`, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
    await expect(nodeHttpFetch("http://127.0.0.1:9/x")).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });
});
