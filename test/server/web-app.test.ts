import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ServeFixture, startServeFixture } from "./serve-test-server.ts";

let f: ServeFixture;
let root: string;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "troupe-web-"));
  mkdirSync(join(root, "assets"));
  writeFileSync(
    join(root, "index.html"),
    "<!doctype html><title>troupe</title><script src=/assets/app-1a2b.js></script>",
  );
  writeFileSync(join(root, "assets", "app-1a2b.js"), "console.log(1)");
  f = await startServeFixture({ webRoot: root });
});
afterAll(async () => {
  await f?.close();
  rmSync(root, { recursive: true, force: true });
});

describe("the web app is served at /", () => {
  it("serves index.html uncached and hashed assets cached for good", async () => {
    const page = await fetch(`${f.server.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("cache-control")).toBe("no-cache");
    expect(await page.text()).toContain("<title>troupe</title>");
    const asset = await fetch(`${f.server.url}/assets/app-1a2b.js`);
    expect(asset.headers.get("cache-control")).toContain("immutable");
    expect(asset.headers.get("content-security-policy")).toContain("script-src 'self'");
  });

  it("answers app routes with the page for browsers, and JSON 404s for API paths", async () => {
    const deep = await fetch(`${f.server.url}/chats/abc`, { headers: { accept: "text/html" } });
    expect(deep.status).toBe(200);
    expect(await deep.text()).toContain("<title>troupe</title>");
    const api = await fetch(`${f.server.url}/api/nothing-here`, { headers: { accept: "text/html" } });
    expect(api.status).toBe(401);
    const v1 = await fetch(`${f.server.url}/v1/nothing-here`, { headers: { accept: "text/html" } });
    expect(v1.status).toBe(401);
    expect(v1.headers.get("content-type")).toContain("application/json");
  });
});
