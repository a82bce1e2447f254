import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { troupe } from "../support/cli.ts";

describe("troupe CLI", () => {
  it("teaches with --help, including exit codes", () => {
    const r = troupe(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Exit codes:");
    expect(r.stdout).toContain("config");
  });

  it("exits 2 on an unknown command", () => {
    const r = troupe(["frobnicate"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command/);
  });

  it("shows config with secrets masked, as text and JSON", () => {
    const cwd = mkdtempSync(join(tmpdir(), "troupe-cli-"));
    writeFileSync(
      join(cwd, "troupe.config.yaml"),
      "models:\n  j:\n    baseUrl: http://localhost:1/v1\n    apiKey: sk-secret-value-123\n",
    );
    const text = troupe(["config", "show"], { cwd, env: { DATABASE_URL: "postgres://me:pw@db/x" } });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("postgres://me:***@db/x");
    expect(text.stdout).not.toContain("sk-secret-value-123");
    const json = troupe(["config", "show", "--json"], { cwd });
    expect(JSON.parse(json.stdout).models.j.apiKey).toBe("sk-s…-123 (19 chars)");
  });

  it("says which API keys are unset instead of masking them like secrets (issue 12.17)", () => {
    const cwd = mkdtempSync(join(tmpdir(), "troupe-cli-"));
    writeFileSync(join(cwd, "troupe.config.yaml"), "models:\n  r:\n    spec: openai:x\n    apiKeyEnv: ROUTER_KEY\n");
    const env = { MINIMAX_API_KEY: "mm-0123456789abcdef" };
    const json = JSON.parse(troupe(["config", "show", "--json"], { cwd, env }).stdout);
    expect(json.apiKeys).toEqual({
      OPENAI_API_KEY: null,
      MINIMAX_API_KEY: "mm-0…cdef (19 chars)",
      ROUTER_KEY: null,
    });
    const text = troupe(["config", "show"], { cwd, env }).stdout;
    expect(text).toContain("OPENAI_API_KEY (unset)");
    expect(text).toContain("ROUTER_KEY (unset)");
    expect(text).not.toContain("0123456789");
  });

  it("exits 3 with a readable message on invalid config YAML", () => {
    const cwd = mkdtempSync(join(tmpdir(), "troupe-cli-"));
    writeFileSync(join(cwd, "troupe.config.yaml"), "models: [\n");
    const r = troupe(["config", "show"], { cwd });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^error: .*troupe\.config\.yaml is not valid YAML/m);
    expect(r.stderr).toMatch(/hint:/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
