import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { DialogueSchema, loadRunDialogues } from "../../src/bench/index.ts";
import { openStore } from "../../src/store/index.ts";
import { runTroupe } from "../support/troupe-process.ts";

const REPO = resolve(import.meta.dirname, "../..");
const MODEL = "local:../shared/models/stories260K.gguf";
const present = existsSync(resolve(REPO, "../shared/models/stories260K.gguf"));

describe.skipIf(!present)("troupe bench run on the tiny local GGUF model", { timeout: 180_000 }, () => {
  it("plays both the NPC and the user through node-llama-cpp and stores schema-valid dialogues", async () => {
    const home = mkdtempSync(join(tmpdir(), "troupe-bench-local-"));
    const r = await runTroupe(
      [
        "--home",
        home,
        "bench",
        "run",
        "--suite",
        "builtin-en",
        "--limit",
        "1",
        "--runs",
        "1",
        "--turns",
        "4",
        "--model",
        MODEL,
        "--user-model",
        MODEL,
        "--max-tokens",
        "40",
        "--user-max-tokens",
        "30",
        "--id",
        "tiny",
        "--json",
      ],
      { cwd: REPO, env: { TROUPE_LOCAL_THREADS: "1" } },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: "complete", progress: { turnsDone: 6 } });
    const store = await openStore({ home });
    try {
      const [dialogue] = await loadRunDialogues(store, "tiny");
      expect(DialogueSchema.parse(dialogue).num_turns).toBe(6);
      expect(dialogue?.meta?.player.spec).toBe(`local:${resolve(REPO, "../shared/models/stories260K.gguf")}`);
      const generated = dialogue?.meta?.turns.filter((t) => t.source !== "script") ?? [];
      expect(generated).toHaveLength(4);
      for (const t of generated) expect(t.completion_tokens).toBeGreaterThan(0);
      expect(dialogue?.dialogue.slice(2).every((t) => t.text.length > 0)).toBe(true);
    } finally {
      await store.close();
    }
  }, 120_000);
});
