import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig, type TroupeConfig } from "../../src/core/index.ts";
import { modelContextWindow, parseModelSpec } from "../../src/llm/index.ts";

const MODEL_PATH = resolve(import.meta.dirname, "../../../shared/models/stories260K.gguf");

function config(models: TroupeConfig["models"] = {}): TroupeConfig {
  return { ...loadConfig({ env: {}, cwd: "/nonexistent-troupe-dir" }), models };
}

describe("modelContextWindow", () => {
  it("reads a local GGUF's training context from its header, capped as troupe loads it", async () => {
    // stories260K was trained on 2048 tokens, under the 8192 cap.
    expect(await modelContextWindow(parseModelSpec(`local:${MODEL_PATH}`, config()))).toBe(2048);
  });

  it("prefers an explicit size from #ctx= or a named endpoint", async () => {
    expect(await modelContextWindow(parseModelSpec(`local:${MODEL_PATH}#ctx=512`, config()))).toBe(512);
    const models = { judge: { baseUrl: "http://127.0.0.1:9/v1", model: "qwen", contextSize: 32768 } };
    expect(await modelContextWindow(parseModelSpec("judge", config(models)))).toBe(32768);
  });

  it("is unknown for a remote model without a configured size, and for an unreadable local file", async () => {
    const remote = parseModelSpec("minimax:M2-her", config(), undefined, { requireKey: false });
    expect(await modelContextWindow(remote)).toBeUndefined();
    const dir = await mkdtemp(join(tmpdir(), "troupe-ctx-"));
    const broken = join(dir, "broken.gguf");
    await writeFile(broken, "GGUF but not really");
    expect(await modelContextWindow(parseModelSpec(`local:${broken}`, config()))).toBeUndefined();
    // A real header cut short claims more metadata than the file holds.
    const cut = join(dir, "cut.gguf");
    const header = Buffer.alloc(24);
    header.write("GGUF", 0, "latin1");
    header.writeUInt32LE(3, 4);
    header.writeBigUInt64LE(1_000_000n, 16);
    await writeFile(cut, header);
    expect(await modelContextWindow(parseModelSpec(`local:${cut}`, config()))).toBeUndefined();
  });

  it("knows local:default's window before it is downloaded", async () => {
    const dir = await mkdtemp(join(tmpdir(), "troupe-ctx-"));
    expect(await modelContextWindow(parseModelSpec("local:default", config()), { modelsDir: dir })).toBe(8192);
  });
});
