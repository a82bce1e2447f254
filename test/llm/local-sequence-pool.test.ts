import { describe, expect, it } from "vitest";
import { SequencePool } from "../../src/llm/providers/local-sequence-pool.ts";

describe("SequencePool", () => {
  it("hands out free items, then serves waiters in arrival order", async () => {
    const pool = new SequencePool(["s1"]);
    const first = await pool.acquire();
    expect(first).toBe("s1");
    const order: string[] = [];
    const second = pool.acquire().then((s) => order.push(`b:${s}`));
    const third = pool.acquire().then((s) => order.push(`c:${s}`));
    expect(pool.waiting).toBe(2);
    pool.release(first);
    await second;
    pool.release("s1");
    await third;
    expect(order).toEqual(["b:s1", "c:s1"]);
    expect(pool.waiting).toBe(0);
  });

  it("rejects and forgets a waiter whose signal aborts, so the item goes to the next one", async () => {
    const pool = new SequencePool([1]);
    const held = await pool.acquire();
    const controller = new AbortController();
    const aborted = pool.acquire(controller.signal);
    const next = pool.acquire();
    controller.abort(new Error("stop"));
    await expect(aborted).rejects.toThrow("stop");
    expect(pool.waiting).toBe(1);
    pool.release(held);
    await expect(next).resolves.toBe(1);
  });

  it("rejects at once when the signal is already aborted", async () => {
    const pool = new SequencePool([1]);
    await expect(pool.acquire(AbortSignal.abort(new Error("late")))).rejects.toThrow("late");
    await expect(pool.acquire()).resolves.toBe(1);
  });
});
