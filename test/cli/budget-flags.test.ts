import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { addTokenBudget, addUsdBudget, tokenBudget, usdBudget } from "../../src/cli/commands/budget-flags.ts";

const parse = (command: Command, args: string[]) => command.exitOverride().parse(args, { from: "user" }).opts();

describe("budget flags name dollars and tokens apart (issue 12.21)", () => {
  it("bench commands take --budget-usd; the old --budget still works, hidden, with a warning", () => {
    const warnings: string[] = [];
    const warn = (text: string) => warnings.push(text);
    const make = () => addUsdBudget(new Command("run"), "limit in US dollars");
    expect(usdBudget(parse(make(), ["--budget-usd", "2.5"]), warn)).toBe(2.5);
    expect(warnings).toEqual([]);
    expect(usdBudget(parse(make(), ["--budget", "3"]), warn)).toBe(3);
    expect(warnings[0]).toMatch(/--budget-usd/);
    expect(make().helpInformation()).toContain("--budget-usd <usd>");
    expect(make().helpInformation()).not.toMatch(/--budget </);
    expect(() => parse(make(), ["--budget-usd", "-1"])).toThrow();
  });

  it("token budgets take --budget-tokens, with the same hidden alias", () => {
    const warnings: string[] = [];
    const make = () => addTokenBudget(new Command("chat"), "prompt token budget", "3000");
    expect(tokenBudget(parse(make(), []), (t) => warnings.push(t))).toBe("3000");
    expect(tokenBudget(parse(make(), ["--budget-tokens", "500"]), (t) => warnings.push(t))).toBe("500");
    expect(warnings).toEqual([]);
    expect(tokenBudget(parse(make(), ["--budget", "700"]), (t) => warnings.push(t))).toBe("700");
    expect(warnings[0]).toMatch(/--budget-tokens/);
  });
});
