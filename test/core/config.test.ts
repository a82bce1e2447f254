import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, parseConfigText } from "../../src/core/index.ts";

function dirWith(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), "troupe-config-"));
  writeFileSync(join(dir, "troupe.config.yaml"), yaml);
  return dir;
}

describe("loadConfig", () => {
  it("uses defaults when there is no file", () => {
    const cwd = mkdtempSync(join(tmpdir(), "troupe-config-"));
    const config = loadConfig({ cwd, env: {} });
    expect(config.home).toBe(join(cwd, ".troupe"));
    expect(config.databaseUrl).toBeUndefined();
    expect(config.sources["home"]).toBe("default");
    expect(config.file).toBeUndefined();
  });

  it("applies precedence flags > env > file > defaults", () => {
    const cwd = dirWith("home: from-file\ndatabase: postgres://file/db\nredis: redis://file\n");
    const fileOnly = loadConfig({ cwd, env: {} });
    expect(fileOnly.home).toBe(join(cwd, "from-file"));
    expect(fileOnly.sources["home"]).toBe("file");
    const withEnv = loadConfig({ cwd, env: { TROUPE_HOME: "from-env", DATABASE_URL: "postgres://env/db" } });
    expect(withEnv.home).toBe(join(cwd, "from-env"));
    expect(withEnv.databaseUrl).toBe("postgres://env/db");
    expect(withEnv.redisUrl).toBe("redis://file");
    const withFlag = loadConfig({ cwd, env: { TROUPE_HOME: "from-env" }, flags: { home: "from-flag" } });
    expect(withFlag.home).toBe(join(cwd, "from-flag"));
    expect(withFlag.sources["home"]).toBe("flag");
  });

  it("warns about unknown keys at any depth and keeps the rest", () => {
    const cwd = dirWith(
      "homme: typo\nretry:\n  maxRetries: 2\n  jitter: full\nmodels:\n  j:\n    model: x\n    colour: red\n",
    );
    const config = loadConfig({ cwd, env: {} });
    expect(config.retry.maxRetries).toBe(2);
    expect(config.models["j"]?.model).toBe("x");
    expect(config.warnings.join("\n")).toMatch(/unknown key "homme"/);
    expect(config.warnings.join("\n")).toMatch(/unknown key "retry.jitter"/);
    expect(config.warnings.join("\n")).toMatch(/unknown key "models.j.colour"/);
  });

  it("rejects invalid YAML with the line number and a hint", () => {
    const error = (() => {
      try {
        parseConfigText("models:\n  a: [1,\n", "x.yaml");
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.code).toBe("config.invalid_yaml");
    expect(error?.message).toMatch(/x\.yaml is not valid YAML/);
    expect(error?.hint).toBeTruthy();
  });

  it("rejects wrongly typed values, naming the key", () => {
    expect(() => parseConfigText("retry:\n  maxRetries: lots\n", "c.yaml")).toThrow(/retry\.maxRetries/);
    expect(() => parseConfigText("- a\n- b\n", "c.yaml")).toThrow(/mapping/);
  });

  it("fails clearly when an explicit --config file is missing", () => {
    expect(() => loadConfig({ configPath: "/nonexistent/troupe.yaml", env: {} })).toThrow(/does not exist/);
  });
});
