import { describe, expect, it } from "vitest";
import { ingestEvents, readEvents, scoreSimulation, simulate } from "../../src/feedback/index.ts";
import { openTestSqlite } from "../support/stores.ts";

describe("simulation", () => {
  it("is deterministic for a seed", () => {
    const a = simulate({ seed: "x", humans: 5, bots: 1, bursters: 1, testAccounts: 1 });
    const b = simulate({ seed: "x", humans: 5, bots: 1, bursters: 1, testAccounts: 1 });
    expect(JSON.stringify(a.batches)).toBe(JSON.stringify(b.batches));
    expect(JSON.stringify(simulate({ seed: "y", humans: 5 }).batches)).not.toBe(JSON.stringify(a.batches));
  });

  it("through the real ingest: denoised labels beat naive ones, bots are caught, humans kept", async () => {
    const sim = simulate({ seed: "test", humans: 60, bots: 6, bursters: 2, testAccounts: 1 });
    const current = await openTestSqlite();
    try {
      let rejected = 0;
      for (const batch of sim.batches) {
        const r = await ingestEvents(current.store, "sim", batch.events, { now: batch.receivedAt, trustUser: true });
        rejected += r.rejected.length;
      }
      expect(rejected).toBe(0);
      const report = scoreSimulation(await readEvents(current.store), sim.truth);
      expect(report.pairs.denoised.accuracy).toBeGreaterThan(report.pairs.naive.accuracy + 0.1);
      expect(report.pairs.denoised.accuracy).toBeGreaterThan(0.85);
      expect(report.filters.abuseCaught).toBeGreaterThan(0.95);
      expect(report.filters.humanDroppedByAbuseFilters).toBeLessThan(0.01);
      expect(report.dwell.controlled.mislabelRate).toBeLessThan(report.dwell.naive.mislabelRate);
      expect(report.positionBias.method).toBe("randomized");
      expect(report.positionBias.theta[1]).toBeLessThan(1);
      expect(report.pairs.denoised.ess).toBeGreaterThan(0);
    } finally {
      await current.cleanup();
    }
  });
});
