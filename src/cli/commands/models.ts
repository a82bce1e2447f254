import type { Command } from "commander";
import * as z from "zod";
import { UsageError } from "../../core/index.ts";
import {
  type ChatResult,
  generateObject,
  LlmError,
  MODEL_SPEC_FORMS,
  parseModelSpec,
  resolveModel,
  UsageMeter,
} from "../../llm/index.ts";
import type { CommandContext } from "../context.ts";
import { Progress } from "../progress.ts";
import { action } from "../run-command.ts";

const SPEC_HELP = `
Model specs:
  ${MODEL_SPEC_FORMS.join("\n  ")}`;

/** The schema of the structured-output check: small, but with an enum and a number, like a judge's verdict. */
const CheckSchema = z.object({
  greeting: z.string().min(1),
  mood: z.enum(["happy", "neutral", "sad"]),
  confidence: z.number().min(0).max(1),
});

interface TestOptions {
  prompt: string;
  maxTokens: string;
  timeout: string;
  structured: boolean;
}

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new UsageError("cli.invalid_option", `${flag} must be a positive integer; got "${value}".`, {
      hint: `Example: ${flag} ${flag === "--timeout" ? "60000" : "64"}`,
    });
  return n;
}

function formatCost(result: ChatResult): string {
  if (result.costUsd === undefined) return "unpriced (add the model under `prices:` in troupe.config.yaml)";
  return `$${result.costUsd.toFixed(6)}`;
}

function oneLine(text: string, max = 160): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

async function testModel(ctx: CommandContext, spec: string, options: TestOptions): Promise<number> {
  const maxTokens = positiveInt(options.maxTokens, "--max-tokens");
  const timeoutMs = positiveInt(options.timeout, "--timeout");
  // Parse first so a bad spec or a missing key fails before anything is loaded or downloaded.
  const parsed = parseModelSpec(spec, ctx.config);
  let download: Progress | undefined;
  const meter = new UsageMeter();
  const model = await resolveModel(spec, {
    // A test should show a failing endpoint quickly, not retry it for minutes.
    config: { ...ctx.config, retry: { ...ctx.config.retry, maxRetries: Math.min(ctx.config.retry.maxRetries, 2) } },
    meter,
    logger: ctx.logger,
    onDownloadProgress: (p) => {
      download ??= new Progress({ label: "downloading local:default", unit: "B" });
      download.update({ done: p.downloadedBytes, ...(p.totalBytes === undefined ? {} : { total: p.totalBytes }) });
    },
  });
  download?.done();
  const call = { role: "test", timeoutMs } as const;
  const chat = await model.chat(
    {
      messages: [
        { role: "system", content: "You are a friendly character in a role-play. Answer briefly." },
        { role: "user", content: options.prompt },
      ],
      maxTokens,
    },
    call,
  );
  let structured: Record<string, unknown> | undefined;
  if (options.structured) {
    try {
      const generated = await generateObject(
        model,
        {
          messages: [{ role: "user", content: "Greet me, and rate how sure you are that you followed the format." }],
          maxTokens: Math.max(maxTokens, 256),
        },
        CheckSchema,
        { ...call, name: "greeting_check" },
      );
      structured = {
        ok: true,
        attempts: generated.attempts,
        latencyMs: Math.round(generated.result.latencyMs),
        object: generated.object,
      };
    } catch (error) {
      if (!(error instanceof LlmError) || error.kind !== "invalid_output") throw error;
      structured = { ok: false, error: error.message, hint: error.hint };
    }
  }
  const totals = meter.snapshot();
  const ok = structured === undefined || structured["ok"] === true;
  const report = {
    spec,
    model: model.id,
    provider: model.provider,
    endpoint: parsed.endpoint.name,
    ok,
    chat: {
      latencyMs: Math.round(chat.latencyMs),
      promptTokens: chat.usage.promptTokens,
      completionTokens: chat.usage.completionTokens,
      tokensEstimated: chat.usage.estimated === true,
      costUsd: chat.costUsd,
      finishReason: chat.finishReason,
      retries: chat.retries ?? 0,
      ...(chat.safety ? { safety: chat.safety } : {}),
      text: chat.text,
    },
    ...(structured ? { structured } : {}),
    totals: { calls: totals.calls, costUsd: totals.costUsd, unpricedCalls: totals.unpricedCalls },
  };
  if (ctx.json) {
    ctx.printJson(report);
    return ok ? 0 : 4;
  }
  ctx.print(`model:       ${model.id}${parsed.endpoint.name ? ` (endpoint "${parsed.endpoint.name}")` : ""}`);
  ctx.print(`reply:       ${oneLine(chat.text) || "(empty)"}`);
  ctx.print(`latency:     ${Math.round(chat.latencyMs)} ms${chat.retries ? ` after ${chat.retries} retries` : ""}`);
  ctx.print(
    `tokens:      ${chat.usage.promptTokens} in, ${chat.usage.completionTokens} out${chat.usage.estimated ? " (estimated; the provider reported none)" : ""}`,
  );
  ctx.print(`cost:        ${formatCost(chat)}`);
  ctx.print(`finish:      ${chat.finishReason}`);
  if (chat.safety)
    ctx.print(
      `safety:      input flagged ${chat.safety.inputSensitive}, output flagged ${chat.safety.outputSensitive}`,
    );
  if (structured) {
    if (structured["ok"])
      ctx.print(
        `structured:  ok (${structured["attempts"] === 1 ? "first try" : "after a repair"}): ${JSON.stringify(structured["object"])}`,
      );
    else ctx.print(`structured:  FAILED: ${structured["error"]}\n  hint: ${structured["hint"]}`);
  }
  if (totals.calls > 1)
    ctx.print(
      `total:       ${totals.calls} calls, ${totals.unpricedCalls === totals.calls ? "unpriced" : `$${totals.costUsd.toFixed(6)}${totals.unpricedCalls ? ` (+${totals.unpricedCalls} unpriced)` : ""}`}`,
    );
  return ok ? 0 : 4;
}

/** `troupe models …`: check that a model spec works before a long run depends on it. */
export function registerModels(program: Command): void {
  const models = program
    .command("models")
    .description("check model endpoints (OpenAI-compatible, MiniMax, local GGUF)");
  models
    .command("test")
    .description("make one real call to a model: latency, tokens, cost, and a structured-output check")
    .argument("<spec>", "model spec or named endpoint (see below)")
    .option("--prompt <text>", "what to send", "Say hello in one short sentence.")
    .option("--max-tokens <n>", "answer length limit", "64")
    .option("--timeout <ms>", "per-attempt timeout", "60000")
    .option("--no-structured", "skip the structured-output (JSON schema) check")
    .addHelpText(
      "after",
      `${SPEC_HELP}

Keys come from OPENAI_API_KEY, MINIMAX_API_KEY, or a named endpoint's apiKeyEnv; they are never printed.
The structured-output check asks for JSON matching a small schema and validates it (one repair allowed);
models used as judges need it. The command exits 4 when the check fails.

Examples:
  troupe models test openai:gpt-4.1-mini
  MINIMAX_API_KEY=… troupe models test minimax:M2-her --no-structured
  troupe models test minimax-cn:M2-her                 # api.minimaxi.com (mainland China)
  troupe models test http://localhost:8000/v1#Qwen/Qwen2.5-7B-Instruct
  troupe models test local:./models/my-model.gguf
  troupe models test judge --json                       # a named endpoint from troupe.config.yaml`,
    )
    .action(action((ctx, spec: string, options: TestOptions) => testModel(ctx, spec, options)));
  models
    .command("list")
    .description("show the accepted model specs and the named endpoints in the configuration")
    .addHelpText("after", "\nExamples:\n  troupe models list\n  troupe models list --json")
    .action(
      action((ctx) => {
        const endpoints = Object.entries(ctx.config.models).map(([name, ep]) => ({
          name,
          target: ep.spec ?? (ep.baseUrl && ep.model ? `${ep.baseUrl}#${ep.model}` : "(incomplete)"),
          key: ep.apiKeyEnv
            ? `${ep.apiKeyEnv} ${ctx.config.env[ep.apiKeyEnv] ? "set" : "NOT SET"}`
            : ep.apiKey
              ? "inline"
              : "none",
          ...(ep.price ? { price: ep.price } : {}),
        }));
        if (ctx.json) {
          ctx.printJson({ forms: MODEL_SPEC_FORMS, endpoints });
          return 0;
        }
        ctx.print(`Model specs:\n  ${MODEL_SPEC_FORMS.join("\n  ")}`);
        ctx.print(
          endpoints.length
            ? "\nNamed endpoints:"
            : "\nNo named endpoints (define them under `models:` in troupe.config.yaml).",
        );
        for (const e of endpoints)
          ctx.print(
            `  ${e.name}: ${e.target}  [key: ${e.key}]${e.price ? `  $${e.price.input}/$${e.price.output} per 1M tokens` : ""}`,
          );
        return 0;
      }),
    );
}
