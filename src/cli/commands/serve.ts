import type { Command } from "commander";
import { UsageError } from "../../core/index.ts";
import { action } from "../run-command.ts";
import { troupeVersion } from "../version.ts";

/** How long open streams may finish after a stop signal before the process exits anyway. */
const DRAIN_MS = 30_000;

/** `troupe serve`: the OpenAI- and MiniMax-compatible companion gateway and troupe's own API. */
export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("serve characters and models over an OpenAI- and MiniMax-compatible API, logging every candidate")
    .option("--host <address>", "address to listen on (serve.host; default 127.0.0.1)")
    .option("--port <n>", "port to listen on (serve.port; default 8787)")
    .option(
      "--model <spec...>",
      "model spec(s) to serve under their own name; the first also plays characters (e.g. local:./m.gguf)",
    )
    .option("--redis <url>", "Redis for rate limits shared by several server processes (REDIS_URL)")
    .addHelpText(
      "after",
      `
Clients authenticate with API keys: create a user and a key first with \`troupe user add <name>\`.
Endpoints: POST /v1/chat/completions and GET /v1/models (OpenAI), POST /v1/text/chatcompletion_v2 (MiniMax),
troupe's own API under /api (characters, chats, swipes, edits, branches, worlds, feedback events), its OpenAPI
document at /openapi.json. Served names come from --model, the models and serve.models sections of
troupe.config.yaml (serve.models splits users over policies and logs each candidate's propensity).
Several processes on one PostgreSQL (DATABASE_URL) and one Redis (REDIS_URL) behave as one service.

Examples:
  troupe user add me --admin                 # prints an API key once
  troupe serve --model local:./models/my-model.Q4_K_M.gguf
  troupe serve --model openai:gpt-4.1-mini --port 9000
  curl http://127.0.0.1:8787/v1/chat/completions -H "Authorization: Bearer $KEY" \\
    -H 'content-type: application/json' -d '{"model":"local:./models/my-model.Q4_K_M.gguf","messages":[{"role":"user","content":"Hi"}]}'`,
    )
    .action(
      action(async (ctx, options: { host?: string; port?: string; model?: string[]; redis?: string }) => {
        const port = options.port === undefined ? undefined : Number(options.port);
        if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535))
          throw new UsageError("serve.bad_port", `--port ${options.port} is not a port number (0–65535).`);
        const { startServer } = await import("../../server/start-server.ts");
        const { chatExtension } = await import("../../server/chat-extension.ts");
        const store = await ctx.store();
        const redisUrl = options.redis ?? ctx.config.redisUrl;
        const server = await startServer({
          config: ctx.config,
          logger: ctx.logger,
          store,
          ...(options.host ? { host: options.host } : {}),
          ...(port === undefined ? {} : { port }),
          models: options.model ?? [],
          ...(redisUrl ? { redisUrl } : {}),
          version: troupeVersion(),
          extend: chatExtension,
        });
        const names = server.registry.list().map((m) => m.id);
        ctx.print(`troupe serve listening on ${server.url}`);
        ctx.print(
          names.length > 0
            ? `models: ${names.join(", ")}${server.registry.defaultName ? ` (characters are played by ${server.registry.defaultName})` : ""}`
            : "models: none — pass --model <spec> or configure models in troupe.config.yaml",
        );
        if ((await server.identity.listUsers()).length === 0)
          ctx.print("no users yet: create one with `troupe user add <name> --admin` (it prints an API key)");
        // `on`, not `once`: signal-exit (loaded with node-llama-cpp) re-raises the signal, killing the process before
        // it drains, when it finds itself the only listener left — and a `once` listener is gone by then.
        let stop = () => {};
        const stopped = new Promise<void>((resolve) => {
          stop = () => resolve();
        });
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
        await stopped;
        ctx.print("stopping: finishing open requests…");
        const timer = setTimeout(() => {
          process.stderr.write("open requests did not finish in 30 s; exiting\n");
          process.exit(1);
        }, DRAIN_MS);
        timer.unref();
        await server.close();
        clearTimeout(timer);
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        return undefined;
      }),
    );
}
