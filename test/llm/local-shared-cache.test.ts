import { describe, expect, it } from "vitest";
import { SharedCache } from "../../src/llm/providers/local-shared-cache.ts";

describe("SharedCache", () => {
  it("creates a value once for concurrent users and disposes it when the last one releases", async () => {
    const disposed: string[] = [];
    const cache = new SharedCache<string>(async (v) => {
      disposed.push(v);
    });
    let creations = 0;
    const create = async () => `v${++creations}`;
    const [a, b] = await Promise.all([cache.acquire("k", create), cache.acquire("k", create)]);
    expect(a.value).toBe("v1");
    expect(b.value).toBe("v1");
    expect(creations).toBe(1);
    await a.release();
    await a.release(); // releasing twice counts once
    expect(disposed).toEqual([]);
    await b.release();
    expect(disposed).toEqual(["v1"]);
    expect(cache.size).toBe(0);
    expect((await cache.acquire("k", create)).value).toBe("v2");
  });

  it("forgets a failed creation so the next call can retry", async () => {
    const cache = new SharedCache<number>(async () => {});
    await expect(cache.acquire("k", () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(cache.size).toBe(0);
    expect((await cache.acquire("k", async () => 7)).value).toBe(7);
  });

  it("clear() disposes everything once, and later releases do not dispose again", async () => {
    const disposed: number[] = [];
    const cache = new SharedCache<number>(async (v) => {
      disposed.push(v);
    });
    const one = await cache.acquire("a", async () => 1);
    await cache.acquire("b", async () => 2);
    await cache.clear();
    expect(disposed.sort()).toEqual([1, 2]);
    await one.release();
    expect(disposed).toHaveLength(2);
  });
});
