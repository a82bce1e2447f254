import { describe, expect, it } from "vitest";
import type { ChunkJudgement } from "../../src/bench/judge/chunk-judgement.ts";
import {
  getJudgement,
  listJudgements,
  loadJudgementChunks,
  setJudgementStatus,
  storeChunkCache,
  upsertJudgement,
} from "../../src/bench/judge/judge-store.ts";
import { storeFactories } from "../support/stores.ts";

function chunk(index: number, status: "ok" | "failed", judge = "judge-a"): ChunkJudgement {
  return {
    status,
    judge,
    chunkIndex: index,
    firstRound: 2 + index * 20,
    lastRound: 21 + index * 20,
    npcTurns: 10,
    scoredRounds: [2 + index * 20],
    flags: [],
    rejected: [],
    ledgerAdded: [{ kind: "fact", round: 2, statement: "x" }],
    ledgerAfter: [{ kind: "fact", round: 2, statement: "x" }],
    promptTokens: 10,
    completionTokens: 2,
    costUsd: 0,
    latencyMs: 1,
    ...(status === "failed" ? { error: "llm.invalid_output: bad" } : {}),
  };
}

for (const [dialect, open] of await storeFactories()) {
  describe(`judge store on ${dialect}`, () => {
    it("stores judgements and their chunks, serves only ok chunks from the cache, links cache hits", async () => {
      const t = await open("judge_store");
      try {
        const store = t.store;
        await upsertJudgement(
          store,
          { id: "j-abc123", source: "run-1", sourceKind: "run", status: "running", config: { judges: ["judge-a"] } },
          1000,
        );
        const cache = storeChunkCache(store, () => 2000);
        await cache.put("k0", chunk(0, "ok"), { sessionKey: "s1", judgementId: "j-abc123" });
        await cache.put("k1", chunk(1, "failed"), { sessionKey: "s1", judgementId: "j-abc123" });
        expect(await cache.get("k0")).toEqual(chunk(0, "ok"));
        expect(await cache.get("k1")).toBeUndefined();
        // Retrying the failed chunk overwrites it.
        await cache.put("k1", chunk(1, "ok"), { sessionKey: "s1", judgementId: "j-abc123" });
        expect((await cache.get("k1"))?.status).toBe("ok");
        // A second judgement reuses k0 from the cache and links it.
        await upsertJudgement(
          store,
          { id: "j-def456", source: "run-1", sourceKind: "run", status: "running", config: {} },
          1500,
        );
        await cache.link?.("k0", chunk(0, "ok"), { sessionKey: "s1", judgementId: "j-def456" });
        const loaded = await loadJudgementChunks(store, "j-abc123");
        expect(
          loaded
            .get("s1")
            ?.get("judge-a")
            ?.map((c) => c.status),
        ).toEqual(["ok", "ok"]);
        expect((await loadJudgementChunks(store, "j-def456")).get("s1")?.get("judge-a")).toHaveLength(1);
        await setJudgementStatus(store, "j-abc123", "complete", 3000);
        expect((await getJudgement(store, "j-abc")).status).toBe("complete");
        expect((await listJudgements(store, "run-1")).map((j) => j.id)).toEqual(["j-def456", "j-abc123"]);
        await expect(getJudgement(store, "j-")).rejects.toThrow(/several/);
        await expect(getJudgement(store, "zzz")).rejects.toThrow(/No judgement/);
      } finally {
        await t.cleanup();
      }
    });
  });
}
