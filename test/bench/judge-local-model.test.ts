import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { memoryChunkCache } from "../../src/bench/judge/chunk-judgement.ts";
import { structuredJudgeCall } from "../../src/bench/judge/judge-call.ts";
import { JudgeReplySchema } from "../../src/bench/judge/judge-reply.ts";
import { DEFAULT_JUDGE_SETTINGS, judgeSession } from "../../src/bench/judge/judge-session.ts";
import { loadConfig } from "../../src/core/index.ts";
import { resolveModel } from "../../src/llm/index.ts";
import { disposeLocalModels } from "../../src/llm/providers/local-runtime.ts";
import { syntheticTurns } from "./judge-fixtures.ts";

const REPO = resolve(import.meta.dirname, "../..");
const present = existsSync(resolve(REPO, "../shared/models/stories260K.gguf"));

afterAll(async () => {
  await disposeLocalModels();
});

describe.skipIf(!present)("the judge on the tiny local GGUF model", () => {
  it("returns schema-valid judge output through the JSON-schema grammar path", async () => {
    const model = await resolveModel("local:../shared/models/stories260K.gguf", {
      config: loadConfig({ env: {}, cwd: "/nonexistent" }),
      cwd: REPO,
      cache: false,
    });
    const session = {
      key: "tiny/s/run_1",
      seedId: "s",
      modelName: "tiny",
      runId: "run_1",
      lang: "en",
      card: { aiName: "Lily", aiSetting: "a girl with a red ball", userName: "Tom", userSetting: "her friend" },
      turns: syntheticTurns(4, (r, role) => (role === "ai" ? `Lily played with her ball on day ${r}.` : "Tom smiled.")),
    };
    const result = await judgeSession(
      session,
      [model],
      structuredJudgeCall({ temperature: 0, maxTokens: 160 }),
      memoryChunkCache(),
      // Its 2048-token context (and ~1.3 characters per token) needs the compact rubric.
      { ...DEFAULT_JUDGE_SETTINGS, prompt: { maxCardChars: 200, rubric: "compact" } },
    );
    const [chunk] = result.byJudge[0]!;
    // The 260K-parameter model cannot judge, but the grammar makes whatever it writes parse into the reply
    // schema; every flag it wrote was then checked against the transcript like any judge's.
    expect(chunk!.status, chunk!.error).toBe("ok");
    expect(chunk!.promptTokens).toBeGreaterThan(0);
    const reparsed = JudgeReplySchema.safeParse({
      flags: chunk!.flags.map(({ round, quote, reason, subtype, severity }) => ({
        round,
        quote,
        reason,
        subtype,
        severity,
      })),
      ledger: chunk!.ledgerAdded,
    });
    expect(reparsed.success).toBe(true);
    for (const f of chunk!.flags)
      expect(["ok", "quote_not_found", "wrong_round", "not_npc_turn", "round_out_of_scope", "empty_quote"]).toContain(
        f.verification,
      );
  }, 120_000);
});
