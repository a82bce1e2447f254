// Judge input per 100-turn session ÷ transcript tokens (issue 4 target ≤ 1.5): chunks plus the canon ledger,
// never the whole history per chunk. The same sessions are judged by the real chunking, prompt and ledger code
// with a judge double that records every message it is sent and adds four ledger entries per chunk (so the ledger
// grows as it would); tokens are counted with one estimator (characters ÷ 4) on both sides of the ratio. Cards are
// the 12 scenarios of builtin-en. The naive design — every chunk sent the whole history so far — is measured side
// by side for scale.

import { createCleanWriter } from "../src/bench/detectors/injection/clean-transcript.ts";
import {
  DEFAULT_JUDGE_SETTINGS,
  type JudgeCall,
  judgeSession,
  memoryChunkCache,
  resolveSuite,
} from "../src/bench/index.ts";
import { createRng } from "../src/core/index.ts";
import { type ChatModel, estimateTokens } from "../src/llm/index.ts";
import type { PerfResult } from "./perf-result.ts";

const PROFILES = [
  { name: "typical", npcReplies: 3, target: 1.5 }, // NPC ≈ 600 characters a turn
  { name: "long", npcReplies: 6 }, // ≈ 1,200
  { name: "short", npcReplies: 1 }, // ≈ 200: fixed per-chunk cost (prompt, card) weighs more
] as const;

const judge = { id: "perf-judge", provider: "perf" } as ChatModel;

export default async function run(): Promise<PerfResult[]> {
  const suite = await resolveSuite("builtin-en");
  const results: PerfResult[] = [];
  for (const profile of PROFILES) {
    let judgeInput = 0;
    let transcript = 0;
    let naive = 0;
    let npcChars = 0;
    for (const scenario of suite.scenarios) {
      const writer = createCleanWriter(createRng(`perf-${scenario.id}`), "en");
      const turns = Array.from({ length: 102 }, (_, round) => ({
        role: round % 2 ? ("user" as const) : ("ai" as const),
        round,
        text:
          round === 0
            ? scenario.aiPrologue
            : round === 1
              ? scenario.initialUserInput
              : round % 2
                ? `${writer.user()} ${writer.user()}`
                : writer.extend("", profile.npcReplies),
      }));
      const call: JudgeCall = async (_model, messages) => {
        judgeInput += messages.reduce((s, m) => s + estimateTokens(m.content), 0);
        const rounds = [...messages[1]!.content.matchAll(/^R(\d+) NPC /gm)].map((m) => Number(m[1]));
        return {
          reply: {
            flags: [],
            ledger: rounds.slice(-4).map((round) => ({
              kind: "fact" as const,
              round,
              statement: `${scenario.aiName} keeps the brass key in the blue tin under the third stair`,
            })),
            rejected: [],
          },
          promptTokens: 0,
          completionTokens: 0,
          costUsd: 0,
          latencyMs: 0,
        };
      };
      await judgeSession(
        { key: scenario.id, seedId: scenario.id, modelName: "m", runId: "run_1", lang: "en", card: scenario, turns },
        [judge],
        call,
        memoryChunkCache(),
        DEFAULT_JUDGE_SETTINGS,
      );
      const tokens = turns.map((t) => estimateTokens(t.text));
      transcript += tokens.reduce((a, b) => a + b, 0);
      // Naive: chunk k is sent every turn up to its end (plus the same prompt overhead is ignored: a lower bound).
      for (let end = 22; end <= 102; end += 20) naive += tokens.slice(0, end).reduce((a, b) => a + b, 0);
      npcChars += turns.filter((t) => t.role === "ai" && t.round >= 2).reduce((s, t) => s + t.text.length, 0) / 50;
    }
    const ratio = judgeInput / transcript;
    results.push({
      name: `judge input ÷ transcript tokens, 100-turn session, ${profile.name} replies`,
      ratio,
      unit: "judge input tokens per transcript token; lower is better",
      ...("target" in profile ? { target: `≤ ${profile.target}`, pass: ratio <= profile.target } : {}),
      detail: {
        sessions: suite.scenarios.length,
        meanNpcChars: Math.round(npcChars / suite.scenarios.length),
        transcriptTokensPerSession: Math.round(transcript / suite.scenarios.length),
        judgeInputTokensPerSession: Math.round(judgeInput / suite.scenarios.length),
        wholeHistoryPerChunkRatio: naive / transcript,
      },
    });
  }
  return results;
}
