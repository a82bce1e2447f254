import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { ConfigError, type EndpointConfig, type Price, type TroupeConfig, UsageError } from "../core/index.ts";

/** Sampling defaults an endpoint applies when a request leaves them unset. */
export interface RequestDefaults {
  temperature?: number;
  topP?: number;
  maxTokens?: number;
}

/** Settings that come with an endpoint rather than with a call. */
export interface EndpointSettings {
  /** The named endpoint this spec came from (`judge`), if any. */
  name?: string;
  defaults: RequestDefaults;
  maxConcurrency?: number;
  timeoutMs?: number;
  price?: Price;
  /**
   * Tokens the model holds (prompt plus answer): from a `local:…#ctx=<n>` suffix or `contextSize:` on a named
   * endpoint. A local model is loaded with it; for a remote model it only tells dry runs the window.
   */
  contextSize?: number;
}

/** How strictly `parseModelSpec` treats a missing API key. */
export interface ParseModelSpecOptions {
  /**
   * Fail with `llm.missing_key` when the provider's key is unset (default true). A dry run passes false: it only
   * needs to know which model is meant, and the parsed spec then carries an empty key it must never send.
   */
  requireKey?: boolean;
}

/** A parsed model spec: which provider, where, which model, with which key. */
export type ModelSpec =
  | {
      kind: "openai";
      /** "openai" for `openai:` specs, "http" for bare OpenAI-compatible URLs. */
      provider: "openai" | "http";
      id: string;
      baseUrl: string;
      model: string;
      apiKey: string | undefined;
      endpoint: EndpointSettings;
    }
  | {
      kind: "minimax";
      provider: "minimax";
      id: string;
      baseUrl: string;
      model: string;
      /** Empty only when parsed with `requireKey: false`. */
      apiKey: string;
      endpoint: EndpointSettings;
    }
  | {
      kind: "local";
      provider: "local";
      id: string;
      /** Absolute path of a GGUF file, or "default" for the downloaded default model. */
      path: string;
      endpoint: EndpointSettings;
    };

export const OPENAI_DEFAULT_BASE_URL = "https://api.openai.com/v1";
/** MiniMax international host. */
export const MINIMAX_GLOBAL_BASE_URL = "https://api.minimax.io";
/** MiniMax mainland-China host (`minimax-cn:` specs). */
export const MINIMAX_CN_BASE_URL = "https://api.minimaxi.com";

const FORMS = [
  "openai:<model>              OpenAI (OPENAI_API_KEY; OPENAI_BASE_URL to redirect)",
  "minimax:<model>             MiniMax, api.minimax.io (MINIMAX_API_KEY; MINIMAX_BASE_URL to redirect)",
  "minimax-cn:<model>          MiniMax, api.minimaxi.com (mainland China)",
  "local:<file.gguf>           a GGUF file run in-process; local:default downloads a small model",
  "local:<file.gguf>#ctx=<n>   the same, loaded with a context of n tokens (default: its training length, ≤ 8192)",
  "http(s)://host:port/v1#<model>  any OpenAI-compatible server (vLLM, SGLang, Ollama, llama.cpp, OpenRouter)",
  "<name>                      a named endpoint under `models:` in troupe.config.yaml",
];

/** The accepted spec forms, one per line, for help texts and errors. */
export const MODEL_SPEC_FORMS: readonly string[] = FORMS;

function invalid(spec: string, why: string, config: TroupeConfig): UsageError {
  const names = Object.keys(config.models);
  return new UsageError("llm.invalid_spec", `Invalid model spec "${spec}": ${why}.`, {
    hint: `Use one of:\n    ${FORMS.join("\n    ")}${names.length ? `\n  Named endpoints in your config: ${names.join(", ")}` : ""}`,
    details: { spec },
  });
}

function missingKey(variable: string, spec: string, where: string): ConfigError {
  return new ConfigError("llm.missing_key", `${variable} is not set, and ${spec} needs it.`, {
    hint: `Set it in the environment (export ${variable}=…; get a key at ${where}), or define a named endpoint with apiKeyEnv in troupe.config.yaml.`,
    details: { variable, spec },
  });
}

/** Strip a trailing slash and, for MiniMax, a trailing /v1 (the provider appends /v1/text/chatcompletion_v2). */
function normaliseBase(url: string, dropV1: boolean): string {
  let out = url.trim().replace(/\/+$/, "");
  if (dropV1) out = out.replace(/\/v1$/, "");
  return out;
}

function checkUrl(url: string, spec: string, config: TroupeConfig): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid(spec, `"${url}" is not a URL`, config);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
    throw invalid(spec, `the URL must start with http:// or https://`, config);
  if (parsed.username || parsed.password)
    throw invalid(spec, "do not put credentials in the URL; use a named endpoint with apiKeyEnv", config);
  return url;
}

/**
 * Parse a model spec against the configuration. Fails with `llm.invalid_spec` (usage) for a malformed spec and
 * `llm.missing_key` (config) when the provider's key is not set. The fake model has no spec on purpose: it is a
 * test double and must never be what a user silently gets.
 */
export function parseModelSpec(
  spec: string,
  config: TroupeConfig,
  cwd: string = process.cwd(),
  options: ParseModelSpecOptions = {},
): ModelSpec {
  const text = spec.trim();
  if (text === "") throw invalid(spec, "it is empty", config);
  const requireKey = options.requireKey ?? true;
  const named = config.models[text];
  if (named) return fromEndpoint(text, named, config, cwd, requireKey);
  return parseProviderSpec(text, config, cwd, { defaults: {} }, requireKey);
}

/** Split a `#ctx=<n>` suffix off a local spec's path. */
function splitContextSuffix(rest: string, text: string, config: TroupeConfig): { path: string; contextSize?: number } {
  const match = /#ctx=([^#]*)$/.exec(rest);
  if (!match) return { path: rest };
  const value = match[1]!.trim();
  if (!/^[1-9][0-9]*$/.test(value))
    throw invalid(
      text,
      `#ctx= needs a positive whole number of tokens (local:model.gguf#ctx=4096), got "${value}"`,
      config,
    );
  return { path: rest.slice(0, match.index).trim(), contextSize: Number(value) };
}

function parseProviderSpec(
  text: string,
  config: TroupeConfig,
  cwd: string,
  endpoint: EndpointSettings,
  requireKey: boolean,
): ModelSpec {
  const env = config.env;
  if (/^https?:\/\//i.test(text)) {
    const hash = text.indexOf("#");
    if (hash === -1) throw invalid(text, "a URL spec needs #<model> after the base URL (…/v1#qwen2.5-7b)", config);
    const baseUrl = normaliseBase(checkUrl(text.slice(0, hash), text, config), false);
    const model = text.slice(hash + 1).trim();
    if (!model) throw invalid(text, "the model name after # is empty", config);
    return { kind: "openai", provider: "http", id: `${baseUrl}#${model}`, baseUrl, model, apiKey: undefined, endpoint };
  }
  const colon = text.indexOf(":");
  if (colon === -1) {
    const names = Object.keys(config.models);
    throw invalid(
      text,
      names.length
        ? `there is no named endpoint "${text}" (known: ${names.join(", ")})`
        : `it has no provider prefix and no named endpoint "${text}" is configured`,
      config,
    );
  }
  const prefix = text.slice(0, colon).toLowerCase();
  const rest = text.slice(colon + 1).trim();
  switch (prefix) {
    case "openai": {
      if (!rest) throw invalid(text, "the model name is empty (openai:gpt-4.1-mini)", config);
      const custom = env["OPENAI_BASE_URL"];
      const baseUrl = normaliseBase(custom ? checkUrl(custom, text, config) : OPENAI_DEFAULT_BASE_URL, false);
      const apiKey = env["OPENAI_API_KEY"] || undefined;
      // A redirected base URL (a local gateway) may not need a key; api.openai.com always does.
      if (!apiKey && !custom && requireKey)
        throw missingKey("OPENAI_API_KEY", text, "https://platform.openai.com/api-keys");
      return { kind: "openai", provider: "openai", id: `openai:${rest}`, baseUrl, model: rest, apiKey, endpoint };
    }
    case "minimax":
    case "minimax-cn": {
      if (!rest) throw invalid(text, "the model name is empty (minimax:M2-her)", config);
      const custom = prefix === "minimax" ? env["MINIMAX_BASE_URL"] : undefined;
      const host = prefix === "minimax" ? MINIMAX_GLOBAL_BASE_URL : MINIMAX_CN_BASE_URL;
      const baseUrl = normaliseBase(custom ? checkUrl(custom, text, config) : host, true);
      const apiKey = env["MINIMAX_API_KEY"] ?? "";
      if (!apiKey && requireKey)
        throw missingKey(
          "MINIMAX_API_KEY",
          text,
          prefix === "minimax" ? "https://platform.minimax.io" : "https://platform.minimaxi.com",
        );
      return { kind: "minimax", provider: "minimax", id: `${prefix}:${rest}`, baseUrl, model: rest, apiKey, endpoint };
    }
    case "local": {
      const { path: file, contextSize } = splitContextSuffix(rest, text, config);
      if (!file) throw invalid(text, "give a GGUF file (local:./models/x.gguf) or local:default", config);
      // The suffix is the nearer statement of intent, so it wins over a named endpoint's `contextSize`.
      if (contextSize !== undefined) endpoint = { ...endpoint, contextSize };
      if (file === "default")
        return { kind: "local", provider: "local", id: "local:default", path: "default", endpoint };
      const path = resolve(cwd, file);
      if (!existsSync(path)) {
        throw new UsageError("llm.local_model_missing", `The model file ${path} does not exist.`, {
          hint: "Check the path, or use local:default to download a small instruct model on first use.",
          details: { path },
        });
      }
      return { kind: "local", provider: "local", id: `local:${path}`, path, endpoint };
    }
    case "fake":
      throw invalid(
        text,
        "the fake model is a test double and cannot be chosen by spec; tests construct it with createFakeModel()",
        config,
      );
    default:
      throw invalid(text, `unknown provider "${prefix}"`, config);
  }
}

function fromEndpoint(
  name: string,
  ep: EndpointConfig,
  config: TroupeConfig,
  cwd: string,
  requireKey: boolean,
): ModelSpec {
  const endpoint: EndpointSettings = {
    name,
    defaults: {
      ...(ep.temperature === undefined ? {} : { temperature: ep.temperature }),
      ...(ep.topP === undefined ? {} : { topP: ep.topP }),
      ...(ep.maxTokens === undefined ? {} : { maxTokens: ep.maxTokens }),
    },
    ...(ep.maxConcurrency === undefined ? {} : { maxConcurrency: ep.maxConcurrency }),
    ...(ep.timeoutMs === undefined ? {} : { timeoutMs: ep.timeoutMs }),
    ...(ep.price === undefined ? {} : { price: ep.price }),
    ...(ep.contextSize === undefined ? {} : { contextSize: ep.contextSize }),
  };
  let key: string | undefined = ep.apiKey;
  if (key === undefined && ep.apiKeyEnv !== undefined) {
    key = config.env[ep.apiKeyEnv] || undefined;
    if (!key && requireKey) throw missingKey(ep.apiKeyEnv, `the named endpoint "${name}"`, "your provider's console");
  }
  if (ep.spec !== undefined) {
    if (config.models[ep.spec] && !ep.spec.includes(":"))
      throw new ConfigError("llm.endpoint_chain", `Named endpoint "${name}" points at another name ("${ep.spec}").`, {
        hint: "Give `spec` a provider spec such as openai:gpt-4.1-mini or minimax:M2-her.",
      });
    // Provider keys are looked up from the environment; an endpoint key stands in for them so parsing succeeds.
    const env = { ...config.env };
    if (key !== undefined) {
      env["OPENAI_API_KEY"] = key;
      env["MINIMAX_API_KEY"] = key;
    }
    if (ep.baseUrl !== undefined) {
      env["OPENAI_BASE_URL"] = ep.baseUrl;
      env["MINIMAX_BASE_URL"] = ep.baseUrl;
    }
    const base = parseProviderSpec(ep.spec, { ...config, env }, cwd, endpoint, requireKey);
    if (base.kind === "local") return base;
    const model = ep.model ?? base.model;
    const id = base.provider === "http" ? `${base.baseUrl}#${model}` : `${base.id.split(":")[0]}:${model}`;
    if (base.kind === "minimax") return { ...base, model, id };
    return { ...base, model, id, ...(key === undefined ? {} : { apiKey: key }) };
  }
  if (ep.baseUrl === undefined || ep.model === undefined) {
    throw new ConfigError(
      "llm.endpoint_incomplete",
      `Named endpoint "${name}" needs \`spec\`, or \`baseUrl\` and \`model\`.`,
      {
        hint: `Example:\n  models:\n    ${name}:\n      baseUrl: http://localhost:8000/v1\n      model: qwen2.5-7b-instruct`,
      },
    );
  }
  const baseUrl = normaliseBase(checkUrl(ep.baseUrl, name, config), false);
  return {
    kind: "openai",
    provider: "http",
    id: `${baseUrl}#${ep.model}`,
    baseUrl,
    model: ep.model,
    apiKey: key,
    endpoint,
  };
}
