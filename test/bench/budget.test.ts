import { describe, expect, it } from "vitest";
import { promptSize, promptTokenBound } from "../../src/bench/budget.ts";
import { Budget, BudgetExhaustedError, budgetGuard } from "../../src/bench/index.ts";

describe("budget", () => {
  it("counts CJK characters (kana, ideographs, Hangul, full-width) and nothing else as one token each", () => {
    expect(promptSize(["hello, world"])).toEqual({ chars: 12, cjkChars: 0 });
    // 雨 and 中 ideographs, か kana, 한 Hangul, ！ full-width; é and 😀 are not CJK.
    expect(promptSize(["雨中か", "한！é😀"])).toEqual({ chars: 8, cjkChars: 5 }); // UTF-16 units: 😀 is two
    expect(promptTokenBound(8, 5)).toBe(5 + 1);
  });

  it("refuses a call whose pessimistic estimate would pass the limit, and settles to the real cost", async () => {
    const budget = new Budget(0.01);
    const guard = budgetGuard(budget, () => ({ input: 1000, output: 1000 }));
    const usage = { promptTokens: 2, completionTokens: 1 };
    const ok = await guard.guard("m", { chars: 6, cjkChars: 0 }, 4, async () => ({ model: "m", usage }));
    expect(ok.costUsd).toBeCloseTo(0.003);
    expect(budget.spentUsd).toBeCloseTo(0.003);
    await expect(
      guard.guard("m", { chars: 30, cjkChars: 0 }, 4, async () => ({ model: "m", usage })),
    ).rejects.toBeInstanceOf(BudgetExhaustedError);
    expect(budget.exhausted).toBe(true);
  });
});
