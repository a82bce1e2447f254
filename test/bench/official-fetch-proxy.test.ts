import { once } from "node:events";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchOfficialFile } from "../../src/bench/index.ts";
import { startConnectProxy } from "../support/connect-proxy.ts";

// Never resolves: the file can only arrive through the proxy.
const HOST = "files.invalid";
const SEEDS = '{"id":"x"}\n';

let files: Server;
let proxy: Awaited<ReturnType<typeof startConnectProxy>>;
let port: number;

beforeAll(async () => {
  files = createServer((req, res) => res.end(req.url?.endsWith("/seeds.jsonl") ? SEEDS : ""));
  files.listen(0, "127.0.0.1");
  await once(files, "listening");
  port = (files.address() as AddressInfo).port;
  proxy = await startConnectProxy(HOST, port);
  // Read once, when the shared transport is first built (this file runs in a process of its own).
  process.env["HTTP_PROXY"] = proxy.url;
});

afterAll(async () => {
  delete process.env["HTTP_PROXY"];
  await proxy.close();
  files.close();
});

describe("official downloads (bench fetch, role-play-bench suites)", () => {
  it("go through troupe's one HTTP transport, so HTTP_PROXY applies to them as to model calls (issue 13)", async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), "troupe-official-"));
    const path = await fetchOfficialFile({ cacheDir, lang: "en", table: "seeds", endpoint: `http://${HOST}:${port}` });
    expect(readFileSync(path, "utf8")).toBe(SEEDS);
    expect(proxy.seen).toEqual([`CONNECT ${HOST}:${port}`]);
  });
});
