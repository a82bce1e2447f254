import { describe, expect, it } from "vitest";
import { memoryChunkCache } from "../../src/bench/judge/chunk-judgement.ts";
import { JudgeReplyParseError } from "../../src/bench/judge/judge-reply.ts";
import { type JudgeableSession, type JudgeCall, judgeSession } from "../../src/bench/judge/judge-session.ts";
import { resolveScoringConfig } from "../../src/bench/scoring/scoring-config.ts";
import { scoreJudgedSession } from "../../src/bench/scoring/session-score.ts";
import type { ChatModel } from "../../src/llm/index.ts";
import { LlmError } from "../../src/llm/index.ts";
import { syntheticTurns } from "./judge-fixtures.ts";

function model(id: string): ChatModel {
  const fail = () => {
    throw new Error("a JudgeCall stub is used instead");
  };
  return { id, provider: "test", chat: fail, stream: fail };
}

const session: JudgeableSession = {
  key: "m/s1/run_1",
  seedId: "s1",
  modelName: "m",
  runId: "run_1",
  lang: "en",
  card: { aiName: "Mira", aiSetting: "keeper", userName: "Sam", userSetting: "sailor" },
  turns: syntheticTurns(100, (r, role) => (role === "ai" ? `npc says ${r} things.` : `user line ${r}`)),
};

/** A stub judge: flags the first scored round of each chunk and records one ledger fact per chunk. */
function stubJudge(seen: string[][]): JudgeCall {
  return async (m, messages) => {
    const user = messages[1]!.content;
    seen.push([m.id, user]);
    const rounds = /scored NPC rounds: ([\d, ]+)/.exec(user)![1]!.split(", ").map(Number);
    const first = rounds[0]!;
    return {
      reply: {
        flags: [{ round: first, quote: `npc says ${first} things`, reason: "r", subtype: "loop", severity: 2 }],
        ledger: [{ kind: "fact", round: first, statement: `fact from round ${first}` }],
        rejected: [],
      },
      promptTokens: 100,
      completionTokens: 10,
      costUsd: 0.001,
      latencyMs: 5,
    };
  };
}

describe("judgeSession", () => {
  it("walks chunks in order, handing each chunk the ledger built so far", async () => {
    const seen: string[][] = [];
    const result = await judgeSession(session, [model("judge-a")], stubJudge(seen), memoryChunkCache());
    expect(result.byJudge[0]).toHaveLength(5);
    expect(seen[0]![1]).toContain("(empty: nothing established");
    expect(seen[4]![1]).toContain('R2 fact: "fact from round 2"');
    expect(seen[4]![1]).toContain('R62 fact: "fact from round 62"');
    expect(seen[4]![1]).not.toContain("R82 fact");
    expect(result.byJudge[0]![4]!.ledgerAfter).toHaveLength(5);
    expect(result.byJudge[0]!.every((c) => c.flags[0]!.verified)).toBe(true);
  });
  it("serves judged chunks from the cache, so re-judging or resuming costs nothing", async () => {
    const cache = memoryChunkCache();
    const seen: string[][] = [];
    await judgeSession(session, [model("judge-a")], stubJudge(seen), cache);
    expect(seen).toHaveLength(5);
    const again = await judgeSession(session, [model("judge-a")], stubJudge(seen), cache);
    expect(seen).toHaveLength(5);
    expect(again.cachedChunks).toBe(5);
    // A new judge is a new judgement: its chunks are judged, the first judge's stay cached.
    const panel = await judgeSession(session, [model("judge-a"), model("judge-b")], stubJudge(seen), cache);
    expect(seen).toHaveLength(10);
    expect(panel.cachedChunks).toBe(5);
  });
  it("resumes after an interruption from the first chunk not yet judged", async () => {
    const cache = memoryChunkCache();
    const seen: string[][] = [];
    const controller = new AbortController();
    const inner = stubJudge(seen);
    const interrupting: JudgeCall = async (m, messages, o) => {
      if (seen.length === 3) controller.abort();
      o.signal?.throwIfAborted();
      return inner(m, messages, o);
    };
    await expect(
      judgeSession(session, [model("judge-a")], interrupting, cache, undefined, { signal: controller.signal }),
    ).rejects.toThrow();
    expect(cache.size()).toBe(3);
    const resumed = await judgeSession(session, [model("judge-a")], stubJudge(seen), cache);
    expect(resumed.cachedChunks).toBe(3);
    expect(seen).toHaveLength(5);
  });
  it("records a chunk whose reply is unusable as failed, keeps going, and stops on provider failures", async () => {
    let calls = 0;
    const flaky: JudgeCall = async (m, messages, o) => {
      calls++;
      if (calls === 2) throw new JudgeReplyParseError("the reply is not valid JSON");
      if (calls === 3) throw new LlmError("invalid_output", "bad", {});
      return stubJudge([])(m, messages, o);
    };
    const cache = memoryChunkCache();
    const result = await judgeSession(session, [model("judge-a")], flaky, cache);
    expect(result.byJudge[0]!.map((c) => c.status)).toEqual(["ok", "failed", "failed", "ok", "ok"]);
    expect(result.byJudge[0]![1]!.error).toMatch(/not valid JSON/);
    expect(cache.size()).toBe(3);
    const score = scoreJudgedSession(session, result.byJudge, resolveScoringConfig());
    expect(score.failedChunks).toBe(2);
    expect(score.chunks.filter((c) => c.scores)).toHaveLength(3);
    const auth: JudgeCall = async () => {
      throw new LlmError("auth", "bad key", {});
    };
    await expect(judgeSession(session, [model("judge-z")], auth, memoryChunkCache())).rejects.toThrow("bad key");
  });
});
