import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { troupe } from "../support/cli.ts";

// The CLI runs as a separate, synchronously awaited process, so the fake server must be one too.
const LAUNCHER = resolve(import.meta.dirname, "../support/fake-llm-server-main.ts");
let server: ChildProcess;
let baseUrl: string;

beforeAll(async () => {
  server = spawn(process.execPath, ["--import", "tsx", LAUNCHER, "--api-key", "good-key"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  baseUrl = await new Promise<string>((r) => {
    createInterface({ input: server.stdout as NodeJS.ReadableStream }).once("line", r);
  });
});
afterAll(() => {
  server.kill("SIGTERM");
});

describe("troupe models test", () => {
  it("makes one real call through a named endpoint and reports latency, tokens, cost and the structured check", () => {
    const cwd = mkdtempSync(join(tmpdir(), "troupe-models-"));
    writeFileSync(
      join(cwd, "troupe.config.yaml"),
      `models:\n  judge:\n    baseUrl: ${baseUrl}\n    model: fake-judge\n    apiKeyEnv: FAKE_KEY\n    price: { input: 2, output: 8 }\n`,
    );
    const r = troupe(["models", "test", "judge"], { cwd, env: { FAKE_KEY: "good-key" } });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^model: +http:\/\/127\.0\.0\.1:\d+\/v1#fake-judge \(endpoint "judge"\)$/m);
    expect(r.stdout).toMatch(/^latency: +\d+ ms$/m);
    expect(r.stdout).toMatch(/^tokens: +\d+ in, \d+ out$/m);
    expect(r.stdout).toMatch(/^cost: +\$0\.000\d{3}$/m);
    expect(r.stdout).toMatch(/^structured: +ok \(first try\): \{"greeting"/m);
    expect(r.stdout).not.toContain("good-key");

    const json = troupe(["models", "test", "judge", "--json", "--no-structured"], {
      cwd,
      env: { FAKE_KEY: "good-key" },
    });
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report).toMatchObject({ ok: true, provider: "http", endpoint: "judge", chat: { finishReason: "stop" } });
    expect(report.chat.costUsd).toBeGreaterThan(0);
    expect(report.structured).toBeUndefined();
  });

  it("talks to MiniMax's native API at MINIMAX_BASE_URL", () => {
    const r = troupe(["models", "test", "minimax:M2-her", "--json"], {
      env: { MINIMAX_API_KEY: "good-key", MINIMAX_BASE_URL: baseUrl },
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ model: "minimax:M2-her", ok: true, structured: { ok: true } });
  });

  it("explains an invalid spec, a missing key, a wrong key and an unreachable host", async () => {
    // A port that was free a moment ago: bound, then released.
    const closedPort = await new Promise<number>((done) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => done(port));
      });
    });
    const invalid = troupe(["models", "test", "gpt4"]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/^error: Invalid model spec "gpt4"/m);
    expect(invalid.stderr).toMatch(/hint: Use one of:/);

    const missing = troupe(["models", "test", "openai:gpt-4.1-mini"]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/OPENAI_API_KEY is not set/);
    expect(missing.stderr).toMatch(/hint: Set it in the environment/);

    const wrong = troupe(["models", "test", "minimax:M2-her"], {
      env: { MINIMAX_API_KEY: "bad", MINIMAX_BASE_URL: baseUrl },
    });
    expect(wrong.code).toBe(4);
    expect(wrong.stderr).toMatch(/MiniMax returned 2049/);
    expect(wrong.stderr).toMatch(/hint: Check MINIMAX_API_KEY/);

    const unreachable = troupe(["models", "test", `http://127.0.0.1:${closedPort}/v1#m`]);
    expect(unreachable.code).toBe(4);
    expect(unreachable.stderr).toMatch(/Cannot reach .* \(ECONNREFUSED\)/);
    expect(unreachable.stderr).toMatch(/hint: Nothing is listening there/);
    expect(unreachable.stderr).not.toMatch(/\n\s+at /);
  });

  it("teaches with --help", () => {
    const r = troupe(["models", "test", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("minimax-cn:<model>");
    expect(r.stdout).toContain("Examples:");
  });
});
