import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, stat, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { TroupeError } from "../../src/core/index.ts";
import { LlmError } from "../../src/llm/index.ts";
import {
  DEFAULT_LOCAL_MODEL,
  type DefaultLocalModelInfo,
  defaultLocalModelCacheDir,
  ensureDefaultLocalModel,
} from "../../src/llm/providers/local-default.ts";

// A deterministic 300 kB "model": big enough to arrive in several chunks, small enough to be instant.
const BODY = Buffer.alloc(300_000);
for (let i = 0; i < BODY.length; i++) BODY[i] = (i * 31 + (i >> 8)) & 0xff;
const SHA = createHash("sha256").update(BODY).digest("hex");

type Mode =
  | "normal"
  | "cut-first"
  | "ignore-range"
  | "wrong-bytes"
  | "too-long"
  | "too-long-chunked"
  | "not-found"
  | "slow";
let mode: Mode = "normal";
let requests: Array<{ range: string | undefined }> = [];
let server: Server;
let baseUrl = "";

function handle(req: IncomingMessage, res: ServerResponse): void {
  const range = req.headers.range;
  requests.push({ range });
  if (mode === "not-found") {
    res.writeHead(404).end("no such file");
    return;
  }
  let body = mode === "wrong-bytes" ? Buffer.from(BODY).fill(7, 1000, 2000) : BODY;
  if (mode === "too-long" || mode === "too-long-chunked") body = Buffer.concat([BODY, Buffer.alloc(10)]);
  const start = range && mode !== "ignore-range" ? Number(/bytes=(\d+)-/.exec(range)?.[1] ?? 0) : 0;
  const slice = body.subarray(start);
  // Chunked transfer (no content-length) is how some CDNs answer; it must be checked while streaming.
  const headers: Record<string, string | number> =
    mode === "too-long-chunked" ? {} : { "content-length": slice.length };
  if (start > 0) headers["content-range"] = `bytes ${start}-${body.length - 1}/${body.length}`;
  res.writeHead(start > 0 ? 206 : 200, headers);
  if (mode === "cut-first" && requests.length === 1) {
    // Send a third of the file, then drop the connection as a flaky network would.
    res.write(slice.subarray(0, 100_000), () => setTimeout(() => res.socket?.destroy(), 20));
    return;
  }
  if (mode === "slow") {
    res.write(slice.subarray(0, 50_000));
    return; // never finishes; the test aborts it
  }
  res.end(slice);
}

function fileInfo(overrides: Partial<DefaultLocalModelInfo> = {}): DefaultLocalModelInfo {
  return {
    fileName: "tiny.gguf",
    url: `${baseUrl}/tiny.gguf`,
    bytes: BODY.length,
    sha256: SHA,
    description: "a test file",
    license: "MIT",
    ...overrides,
  };
}

async function freshDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), "troupe-dl-"));
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  mode = "normal";
  requests = [];
});

describe("ensureDefaultLocalModel", () => {
  it("pins a real small instruct GGUF by URL, size and sha256", () => {
    expect(DEFAULT_LOCAL_MODEL.url).toMatch(/^https:\/\/huggingface\.co\/.+\/resolve\/.+\.gguf$/);
    expect(DEFAULT_LOCAL_MODEL.fileName).toMatch(/Instruct-Q4_K_M\.gguf$/);
    expect(DEFAULT_LOCAL_MODEL.bytes).toBe(397_808_192);
    expect(DEFAULT_LOCAL_MODEL.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("downloads into the cache folder with progress, verifies it, and leaves no temp or lock file", async () => {
    const dir = await freshDir();
    const progress: number[] = [];
    const path = await ensureDefaultLocalModel({
      cacheDir: dir,
      model: fileInfo(),
      onProgress: (p) => {
        expect(p.totalBytes).toBe(BODY.length);
        progress.push(p.downloadedBytes);
      },
    });
    expect(path).toBe(join(dir, "tiny.gguf"));
    expect((await readFile(path)).equals(BODY)).toBe(true);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)).toBe(BODY.length);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
    expect(existsSync(`${path}.part`)).toBe(false);
    expect(existsSync(`${path}.lock`)).toBe(false);

    // Second use: nothing is fetched again.
    requests = [];
    expect(await ensureDefaultLocalModel({ cacheDir: dir, model: fileInfo() })).toBe(path);
    expect(requests).toHaveLength(0);
  });

  it("resumes with a Range request when the connection drops mid-file", async () => {
    mode = "cut-first";
    const dir = await freshDir();
    const path = await ensureDefaultLocalModel({ cacheDir: dir, model: fileInfo() });
    expect((await readFile(path)).equals(BODY)).toBe(true);
    expect(requests).toHaveLength(2);
    expect(requests[0]?.range).toBeUndefined();
    expect(requests[1]?.range).toMatch(/^bytes=\d+-$/);
    expect(Number(/=(\d+)-/.exec(requests[1]?.range ?? "")?.[1])).toBeGreaterThan(0);
  });

  it("keeps the partial file after an interrupted run and resumes it on the next run", async () => {
    const dir = await freshDir();
    const part = join(dir, "tiny.gguf.part");
    await writeFile(part, BODY.subarray(0, 120_000));
    const path = await ensureDefaultLocalModel({ cacheDir: dir, model: fileInfo() });
    expect(requests).toEqual([{ range: "bytes=120000-" }]);
    expect((await readFile(path)).equals(BODY)).toBe(true);
  });

  it("restarts cleanly when the server ignores the range and sends the whole file", async () => {
    mode = "ignore-range";
    const dir = await freshDir();
    await writeFile(join(dir, "tiny.gguf.part"), Buffer.alloc(50_000, 1));
    const path = await ensureDefaultLocalModel({ cacheDir: dir, model: fileInfo() });
    expect((await readFile(path)).equals(BODY)).toBe(true);
  });

  it("deletes a download whose checksum does not match and says so", async () => {
    mode = "wrong-bytes";
    const dir = await freshDir();
    const error = await ensureDefaultLocalModel({ cacheDir: dir, model: fileInfo() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TroupeError);
    expect(error).toMatchObject({ code: "llm.download_checksum", exitCode: 4 });
    expect((error as TroupeError).message).toContain(SHA);
    expect(existsSync(join(dir, "tiny.gguf"))).toBe(false);
    expect(existsSync(join(dir, "tiny.gguf.part"))).toBe(false);
  });

  it("refuses a file whose announced size differs from the pinned one, without downloading it", async () => {
    mode = "too-long";
    const dir = await freshDir();
    await expect(ensureDefaultLocalModel({ cacheDir: dir, model: fileInfo() })).rejects.toMatchObject({
      code: "llm.download_size",
      message: expect.stringContaining(`${BODY.length + 10} bytes`),
    });
    expect(existsSync(join(dir, "tiny.gguf.part"))).toBe(false);
  });

  it("stops a server that sends more than the pinned size without announcing it", async () => {
    mode = "too-long-chunked";
    const dir = await freshDir();
    await expect(ensureDefaultLocalModel({ cacheDir: dir, model: fileInfo() })).rejects.toMatchObject({
      code: "llm.download_size",
      message: expect.stringContaining("sent more than the expected"),
    });
    expect(existsSync(join(dir, "tiny.gguf.part"))).toBe(false);
  });

  it("reports an HTTP error with its status and the way out", async () => {
    mode = "not-found";
    const error = await ensureDefaultLocalModel({ cacheDir: await freshDir(), model: fileInfo() }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(LlmError);
    expect(error).toMatchObject({ status: 404, message: expect.stringContaining("HTTP 404") });
    expect((error as LlmError).hint).toContain("--model local:/path/to/model.gguf");
  });

  it("offline, fails at once with an error that says how to pass a model path", async () => {
    let calls = 0;
    const offline: typeof fetch = async () => {
      calls++;
      throw new TypeError("fetch failed", { cause: new Error("getaddrinfo ENOTFOUND huggingface.co") });
    };
    const dir = await freshDir();
    const error = await ensureDefaultLocalModel({ cacheDir: dir, fetchImpl: offline }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmError);
    expect(error).toMatchObject({ kind: "unreachable", code: "llm.unreachable", exitCode: 4 });
    expect((error as LlmError).message).toMatch(/ENOTFOUND huggingface\.co/);
    expect((error as LlmError).hint).toContain("--model local:/path/to/model.gguf");
    expect(calls).toBe(1);
    expect(existsSync(join(dir, DEFAULT_LOCAL_MODEL.fileName))).toBe(false);
  });

  it("shares one download between concurrent calls in a process", async () => {
    const dir = await freshDir();
    const [a, b] = await Promise.all([
      ensureDefaultLocalModel({ cacheDir: dir, model: fileInfo() }),
      ensureDefaultLocalModel({ cacheDir: dir, model: fileInfo() }),
    ]);
    expect(a).toBe(b);
    expect(requests).toHaveLength(1);
  });

  it("takes over a lock left behind by a process that died", async () => {
    const dir = await freshDir();
    // PIDs are capped far below this on Linux, so no live process holds it.
    await writeFile(join(dir, "tiny.gguf.lock"), "2147483646");
    const path = await ensureDefaultLocalModel({ cacheDir: dir, model: fileInfo() });
    expect((await stat(path)).size).toBe(BODY.length);
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it("stops on abort and keeps the partial file for a later resume", async () => {
    mode = "slow";
    const dir = await freshDir();
    const controller = new AbortController();
    const run = ensureDefaultLocalModel({
      cacheDir: dir,
      model: fileInfo(),
      signal: controller.signal,
      onProgress: (p) => {
        if (p.downloadedBytes > 0) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ kind: "aborted" });
    expect((await stat(join(dir, "tiny.gguf.part"))).size).toBeGreaterThan(0);
    expect(existsSync(join(dir, "tiny.gguf.lock"))).toBe(false);
  });
});

describe("defaultLocalModelCacheDir", () => {
  it("uses TROUPE_MODELS_DIR, then XDG_CACHE_HOME, then ~/.cache", () => {
    expect(defaultLocalModelCacheDir({ TROUPE_MODELS_DIR: "/models" }, "/home/u")).toBe("/models");
    expect(defaultLocalModelCacheDir({ XDG_CACHE_HOME: "/xdg" }, "/home/u")).toBe("/xdg/troupe/models");
    expect(defaultLocalModelCacheDir({}, "/home/u")).toBe("/home/u/.cache/troupe/models");
  });
});
