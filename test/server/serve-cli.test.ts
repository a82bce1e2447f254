import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runTroupe } from "../support/troupe-process.ts";

const dir = mkdtempSync(join(tmpdir(), "troupe-serve-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = { TROUPE_HOME: join(dir, "home") };

describe("troupe serve and troupe user on bad input", () => {
  it("refuses a bad port and an unreachable Redis with a clear message and exit code", async () => {
    const port = await runTroupe(["serve", "--port", "99999"], { cwd: dir, env });
    expect(port.code).toBe(2);
    expect(port.stderr).toMatch(/--port 99999 is not a port number/);
    const redis = await runTroupe(["serve", "--port", "0", "--redis", "redis://127.0.0.1:1"], { cwd: dir, env });
    expect(redis.code).toBe(5);
    expect(redis.stderr).toMatch(/Cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
    expect(redis.stderr).toMatch(/hint:/);
  });

  it("creates users with a key shown once, refuses bad names and duplicates, and lists keys by hint only", async () => {
    const added = await runTroupe(["user", "add", "alice", "--json"], { cwd: dir, env });
    expect(added.code).toBe(0);
    const { key } = JSON.parse(added.stdout) as { key: string };
    expect(key).toMatch(/^tr_live_[0-9A-Za-z]{36}$/);
    const again = await runTroupe(["user", "add", "alice"], { cwd: dir, env });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists/);
    const bad = await runTroupe(["user", "add", "no spaces"], { cwd: dir, env });
    expect(bad.code).toBe(2);
    const listed = await runTroupe(["user", "ls"], { cwd: dir, env });
    expect(listed.stdout).toContain("alice");
    expect(listed.stdout).not.toContain(key);
    expect(listed.stdout).toContain(key.slice(0, 12));
  });
});
