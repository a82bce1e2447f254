import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTroupe, startTroupe, type TroupeProcess } from "../support/troupe-process.ts";

const MODEL = resolve(import.meta.dirname, "../../../shared/models/stories260K.gguf");
const run = promisify(execFile);

describe("troupe serve --model local:<file.gguf>, as the README shows it", () => {
  let dir: string;
  let server: TroupeProcess;
  let url: string;
  let key: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "troupe-serve-local-"));
    const env = { TROUPE_HOME: join(dir, "home") };
    const added = await runTroupe(["user", "add", "me", "--admin", "--json"], { cwd: dir, env });
    key = (JSON.parse(added.stdout) as { key: string }).key;
    server = startTroupe(["serve", "--port", "0", "--model", `local:${MODEL}`], { cwd: dir, env });
    await server.waitFor(/listening on (http:\/\/\S+)/);
    url = /listening on (http:\/\/\S+)/.exec(server.stdout)?.[1] as string;
  }, 120_000);

  afterAll(async () => {
    server?.child.kill("SIGTERM");
    const ended = await server?.done;
    expect(ended?.code, ended?.stderr.slice(-2000)).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers a curl", async () => {
    const { stdout } = await run("curl", [
      "-sS",
      `${url}/v1/chat/completions`,
      "-H",
      `Authorization: Bearer ${key}`,
      "-H",
      "content-type: application/json",
      "-d",
      JSON.stringify({
        model: `local:${MODEL}`,
        messages: [{ role: "user", content: "Once upon a time" }],
        max_tokens: 16,
      }),
    ]);
    const body = JSON.parse(stdout) as { object: string; choices: Array<{ message: { content: string } }> };
    expect(body.object).toBe("chat.completion");
    expect(body.choices[0]?.message.content.length).toBeGreaterThan(0);
  }, 60_000);

  it("answers the openai client, streamed and not", async () => {
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: key, maxRetries: 0 });
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toContain(`local:${MODEL}`);
    const done = await client.chat.completions.create({
      model: `local:${MODEL}`,
      messages: [{ role: "user", content: "The cat" }],
      max_tokens: 12,
    });
    expect(done.choices[0]?.message.content).toBeTruthy();
    const stream = client.chat.completions.stream({
      model: `local:${MODEL}`,
      messages: [{ role: "user", content: "The dog" }],
      max_tokens: 12,
    });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]?.finish_reason).toMatch(/stop|length/);
  }, 60_000);
});
