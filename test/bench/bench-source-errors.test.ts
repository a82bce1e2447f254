import { once } from "node:events";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startTroupe } from "../support/troupe-process.ts";

/** A loopback port nobody listens on: a fetch there fails at once with a network error, like an offline machine. */
async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, "close");
  return port;
}

describe("troupe bench judge / fetch: what a user is told", { timeout: 60_000 }, () => {
  it("says a dialogues file is missing (exit 2), not that there is no such run", async () => {
    const dir = mkdtempSync(join(tmpdir(), "troupe-source-errors-"));
    const r = await startTroupe(["--home", join(dir, "home"), "bench", "judge", "./missing.jsonl", "--judge", "x"], {
      cwd: dir,
    }).done;
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/No such file or folder: \.\/missing\.jsonl/);
    expect(r.stderr).not.toMatch(/No bench run/);
  });

  it("exits 4 with a hint when the official files cannot be downloaded (offline)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "troupe-source-errors-"));
    const r = await startTroupe(["--home", join(dir, "home"), "bench", "fetch", "--lang", "en", "--tables", "seeds"], {
      cwd: dir,
      env: { HF_ENDPOINT: `http://127.0.0.1:${await closedPort()}` },
    }).done;
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toMatch(/Could not download .*seeds\.jsonl.*ECONNREFUSED/);
    expect(r.stderr).toMatch(/hint: .*network connection/);
    expect(r.stderr).not.toMatch(/bug in troupe/);
  });
});
