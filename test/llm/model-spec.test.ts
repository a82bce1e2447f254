import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, type TroupeConfig, UsageError } from "../../src/core/index.ts";
import { MODEL_SPEC_FORMS, parseModelSpec } from "../../src/llm/index.ts";

function config(env: Record<string, string> = {}, models: TroupeConfig["models"] = {}): TroupeConfig {
  return { ...loadConfig({ env, cwd: "/nonexistent-troupe-dir" }), models };
}

const SHARED_MODEL = "../shared/models/stories260K.gguf";

describe("parseModelSpec", () => {
  it("parses openai: with the key and optional base URL", () => {
    const spec = parseModelSpec("openai:gpt-4.1-mini", config({ OPENAI_API_KEY: "sk-1" }));
    expect(spec).toMatchObject({
      kind: "openai",
      provider: "openai",
      id: "openai:gpt-4.1-mini",
      baseUrl: "https://api.openai.com/v1",
      model: "gpt-4.1-mini",
      apiKey: "sk-1",
    });
    const redirected = parseModelSpec("openai:m", config({ OPENAI_BASE_URL: "http://127.0.0.1:9/v1/" }));
    expect(redirected).toMatchObject({ baseUrl: "http://127.0.0.1:9/v1", apiKey: undefined });
  });

  it("fails with a typed, hinted error when a key is missing", () => {
    const error = (() => {
      try {
        parseModelSpec("openai:gpt-4.1-mini", config());
      } catch (e) {
        return e;
      }
    })() as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.code).toBe("llm.missing_key");
    expect(error.message).toContain("OPENAI_API_KEY");
    expect(error.hint).toMatch(/export OPENAI_API_KEY/);
    expect(() => parseModelSpec("minimax:M2-her", config())).toThrow(/MINIMAX_API_KEY is not set/);
  });

  it("picks the MiniMax host: international, mainland (minimax-cn:) or MINIMAX_BASE_URL", () => {
    const env = { MINIMAX_API_KEY: "k" };
    expect(parseModelSpec("minimax:M2-her", config(env))).toMatchObject({
      kind: "minimax",
      id: "minimax:M2-her",
      baseUrl: "https://api.minimax.io",
      model: "M2-her",
    });
    expect(parseModelSpec("minimax-cn:M2-her", config(env))).toMatchObject({
      id: "minimax-cn:M2-her",
      baseUrl: "https://api.minimaxi.com",
    });
    expect(
      parseModelSpec("minimax:M2-her", config({ ...env, MINIMAX_BASE_URL: "http://127.0.0.1:5/v1" })),
    ).toMatchObject({ baseUrl: "http://127.0.0.1:5" });
  });

  it("parses OpenAI-compatible URLs with #model and rejects malformed ones", () => {
    expect(parseModelSpec("http://localhost:8000/v1#qwen2.5-7b", config())).toMatchObject({
      kind: "openai",
      provider: "http",
      id: "http://localhost:8000/v1#qwen2.5-7b",
      baseUrl: "http://localhost:8000/v1",
      model: "qwen2.5-7b",
      apiKey: undefined,
    });
    expect(() => parseModelSpec("http://localhost:8000/v1", config())).toThrow(/needs #<model>/);
    expect(() => parseModelSpec("http://localhost:8000/v1#", config())).toThrow(/model name after # is empty/);
    expect(() => parseModelSpec("https://user:pw@host/v1#m", config())).toThrow(/credentials/);
  });

  it("parses local specs and checks the file exists", () => {
    expect(parseModelSpec("local:default", config())).toMatchObject({
      kind: "local",
      path: "default",
      id: "local:default",
    });
    const spec = parseModelSpec(`local:${SHARED_MODEL}`, config());
    expect(spec.kind).toBe("local");
    expect(spec.id).toMatch(/^local:\/.*stories260K\.gguf$/);
    expect(() => parseModelSpec("local:/no/such/model.gguf", config())).toThrow(/does not exist/);
  });

  it("never resolves the fake model, and explains unknown specs", () => {
    expect(() => parseModelSpec("fake:scripted", config())).toThrow(/test double/);
    const error = (() => {
      try {
        parseModelSpec("gpt4", config());
      } catch (e) {
        return e;
      }
    })() as UsageError;
    expect(error).toBeInstanceOf(UsageError);
    expect(error.code).toBe("llm.invalid_spec");
    expect(error.hint).toContain("openai:<model>");
    expect(() => parseModelSpec("anthropic:claude", config())).toThrow(/unknown provider "anthropic"/);
    expect(() => parseModelSpec("  ", config())).toThrow(/empty/);
  });

  it("resolves named endpoints: baseUrl+model, spec with overrides, keys from apiKeyEnv", () => {
    const c = config(
      { VLLM_KEY: "vk", MINIMAX_API_KEY: "mk" },
      {
        judge: {
          baseUrl: "http://gpu:8000/v1",
          model: "qwen",
          apiKeyEnv: "VLLM_KEY",
          temperature: 0.2,
          price: { input: 1, output: 2 },
        },
        her: { spec: "minimax:M2-her", maxTokens: 512, maxConcurrency: 8 },
        cn: { spec: "minimax-cn:M2-her", model: "M2-her-beta" },
        broken: { model: "x" },
        secret: { baseUrl: "http://h/v1", model: "m", apiKeyEnv: "MISSING_VAR" },
        loop: { spec: "judge" },
      },
    );
    expect(parseModelSpec("judge", c)).toMatchObject({
      kind: "openai",
      id: "http://gpu:8000/v1#qwen",
      apiKey: "vk",
      endpoint: { name: "judge", defaults: { temperature: 0.2 }, price: { input: 1, output: 2 } },
    });
    expect(parseModelSpec("her", c)).toMatchObject({
      kind: "minimax",
      id: "minimax:M2-her",
      apiKey: "mk",
      endpoint: { defaults: { maxTokens: 512 }, maxConcurrency: 8 },
    });
    expect(parseModelSpec("cn", c)).toMatchObject({ id: "minimax-cn:M2-her-beta", model: "M2-her-beta" });
    expect(() => parseModelSpec("broken", c)).toThrow(/needs `spec`, or `baseUrl` and `model`/);
    expect(() => parseModelSpec("secret", c)).toThrow(/MISSING_VAR is not set/);
    expect(() => parseModelSpec("loop", c)).toThrow(/points at another name/);
    expect(() => parseModelSpec("nope", c)).toThrow(/no named endpoint "nope" \(known: judge, her/);
  });

  it("reads a local context size from #ctx= and from a named endpoint's contextSize", () => {
    const local = parseModelSpec(`local:${SHARED_MODEL}#ctx=4096`, config());
    expect(local).toMatchObject({ kind: "local", endpoint: { contextSize: 4096 } });
    expect(local.id).not.toContain("#ctx");
    expect(parseModelSpec("local:default#ctx=1024", config())).toMatchObject({
      path: "default",
      endpoint: { contextSize: 1024 },
    });
    expect(parseModelSpec(`local:${SHARED_MODEL}`, config()).endpoint.contextSize).toBeUndefined();
    for (const bad of ["#ctx=0", "#ctx=-5", "#ctx=4k", "#ctx="])
      expect(() => parseModelSpec(`local:${SHARED_MODEL}${bad}`, config())).toThrow(
        /#ctx= needs a positive whole number/,
      );
    const models = {
      judge: { baseUrl: "http://127.0.0.1:8000/v1", model: "qwen", contextSize: 32768 },
      small: { spec: `local:${SHARED_MODEL}#ctx=512`, contextSize: 2048 },
    };
    expect(parseModelSpec("judge", config({}, models)).endpoint.contextSize).toBe(32768);
    // The spec's own suffix is the nearer statement and wins.
    expect(parseModelSpec("small", config({}, models)).endpoint.contextSize).toBe(512);
    expect(MODEL_SPEC_FORMS.some((form) => form.includes("#ctx=<n>"))).toBe(true);
  });

  it("parses without keys when asked (dry runs), with an empty key that is never sent", () => {
    expect(() => parseModelSpec("minimax:M2-her", config())).toThrow(ConfigError);
    expect(parseModelSpec("minimax:M2-her", config(), undefined, { requireKey: false })).toMatchObject({
      kind: "minimax",
      apiKey: "",
    });
    expect(parseModelSpec("openai:gpt-4.1", config(), undefined, { requireKey: false })).toMatchObject({
      kind: "openai",
      apiKey: undefined,
    });
    const models = { judge: { spec: "openai:gpt-4.1", apiKeyEnv: "JUDGE_KEY" } };
    expect(() => parseModelSpec("judge", config({}, models))).toThrow(/JUDGE_KEY is not set/);
    expect(parseModelSpec("judge", config({}, models), undefined, { requireKey: false })).toMatchObject({
      model: "gpt-4.1",
    });
    // Malformed specs still fail: only the key check is relaxed.
    expect(() => parseModelSpec("nonsense", config(), undefined, { requireKey: false })).toThrow(UsageError);
  });
});
