import { describe, expect, it } from "vitest";
import { renderProgressLine } from "../../src/cli/progress.ts";
import { canonicalJson, createRng, redactSecrets, redactUrl, stableHash } from "../../src/core/index.ts";

describe("canonicalJson / stableHash", () => {
  it("ignores key order and drops undefined", () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: [3, { f: 1, e: 0 }] }, u: undefined })).toBe(
      '{"a":{"c":[3,{"e":0,"f":1}],"d":2},"b":1}',
    );
    expect(stableHash({ x: 1, y: 2 })).toBe(stableHash({ y: 2, x: 1 }));
    expect(stableHash({ x: 1 })).not.toBe(stableHash({ x: 2 }));
  });
});

describe("createRng", () => {
  it("replays exactly from a seed and differs across seeds and forks", () => {
    const a = createRng(42);
    const b = createRng(42);
    const seqA = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(seqA);
    expect(createRng(43).next()).not.toBe(seqA[0]);
    expect(createRng("run-1").fork("x").next()).toBe(createRng("run-1").fork("x").next());
    expect(createRng("run-1").fork("x").next()).not.toBe(createRng("run-1").fork("y").next());
  });

  it("is roughly uniform", () => {
    const rng = createRng(7);
    const buckets = new Array(10).fill(0);
    for (let i = 0; i < 100_000; i++) buckets[rng.int(10)]++;
    for (const count of buckets) expect(Math.abs(count - 10_000)).toBeLessThan(500);
  });
});

describe("redaction", () => {
  it("masks secret-looking keys and URL passwords", () => {
    const out = redactSecrets({
      apiKey: "sk-1234567890abcdef",
      models: { j: { apiKey: "short", baseUrl: "https://x/v1" } },
      databaseUrl: "postgres://u:pw@h/db",
    });
    expect(out.apiKey).toBe("sk-1…cdef (19 chars)");
    expect(out.models.j.apiKey).toBe("***");
    expect(out.databaseUrl).toBe("postgres://u:***@h/db");
    expect(redactUrl("not a url")).toBe("not a url");
  });
});

describe("renderProgressLine", () => {
  it("shows count, rate, ETA, tokens and cost", () => {
    const line = renderProgressLine(
      "bench",
      "turns",
      { done: 25, total: 100, tokens: 12_345, costUsd: 0.5 },
      10_000,
      10,
    );
    expect(line).toContain("[###-------] 25/100 25%");
    expect(line).toContain("2.50 turns/s");
    expect(line).toContain("ETA 30s");
    expect(line).toContain("12.3k tok");
    expect(line).toContain("$0.5000");
  });
});
