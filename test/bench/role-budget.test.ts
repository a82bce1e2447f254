import { afterEach, describe, expect, it } from "vitest";
import { reserveAll } from "../../src/bench/budget.ts";
import {
  Budget,
  BudgetExhaustedError,
  budgetGuard,
  chatModelPlayer,
  createRun,
  DEFAULT_SIMULATOR_SETTINGS,
  executeRun,
  getRun,
  resolveSuite,
  runUsage,
} from "../../src/bench/index.ts";
import { storeFactories, type TestStore } from "../support/stores.ts";
import { scriptedModel } from "./scripted-model.ts";

const suite = await resolveSuite("builtin-en");
const factories = await storeFactories();
let opened: TestStore[] = [];
afterEach(async () => {
  for (const s of opened) await s.cleanup();
  opened = [];
});

describe("budgets per role", () => {
  it("reserves in every budget or none, and names the role and unit that refused", async () => {
    const total = new Budget(10);
    const judge = new Budget(100, 0, { unit: "tokens", role: "judge", hint: "rerun with a larger --budget-tokens" });
    reserveAll([
      { budget: total, amount: 1 },
      { budget: judge, amount: 60 },
    ]);
    let error: unknown;
    try {
      reserveAll([
        { budget: total, amount: 1 },
        { budget: judge, amount: 60 },
      ]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BudgetExhaustedError);
    expect(error).toMatchObject({
      role: "judge",
      unit: "tokens",
      message: "Judge budget of 100 tokens reached (0 tokens spent).",
      hint: "rerun with a larger --budget-tokens",
    });
    // The total's reservation made before the refusal was released.
    const probe = total.reserve(9);
    expect(probe.amountUsd).toBe(9);
  });

  it("a role's dollar budget counts only its calls, besides the total", async () => {
    const total = new Budget(100);
    const player = new Budget(0.004, 0, { role: "player" });
    const price = () => ({ input: 1000, output: 1000 });
    const usage = { promptTokens: 2, completionTokens: 1 };
    const playerGuard = budgetGuard(total, price, [player]);
    const simGuard = budgetGuard(total, price);
    await playerGuard.guard("m", { chars: 3, cjkChars: 0 }, 1, async () => ({ model: "m", usage }));
    await simGuard.guard("m", { chars: 3, cjkChars: 0 }, 1, async () => ({ model: "m", usage }));
    expect(player.spentUsd).toBeCloseTo(0.003);
    expect(total.spentUsd).toBeCloseTo(0.006);
    await expect(
      playerGuard.guard("m", { chars: 3, cjkChars: 0 }, 1, async () => ({ model: "m", usage })),
    ).rejects.toMatchObject({ role: "player", message: expect.stringMatching(/^Player budget of \$0\.00 reached/) });
    await simGuard.guard("m", { chars: 3, cjkChars: 0 }, 1, async () => ({ model: "m", usage }));
    expect(total.spentUsd).toBeCloseTo(0.009);
  });

  it("stops a run at the user simulator's budget, records the limits, and resumes with a larger one", async () => {
    const t = await (factories[0] as (typeof factories)[0])[1]("role_budget");
    opened.push(t);
    const player = chatModelPlayer(scriptedModel("test:player"), { temperature: 0.8, maxTokens: 200 });
    const userModel = scriptedModel("test:user");
    const run = await createRun(t.store, {
      suite,
      scenarios: suite.scenarios.slice(0, 2),
      player,
      userModel,
      userSpec: userModel.id,
      simulator: DEFAULT_SIMULATOR_SETTINGS,
      personas: ["plain"],
      traps: [],
      runs: 1,
      turns: 10,
      seed: 7,
      concurrency: 2,
      roleBudgetsUsd: { "user-sim": 0.2 },
    });
    const price = () => ({ input: 100, output: 100 });
    const first = await executeRun(run.id, { store: t.store, player, userModel, priceOf: price });
    expect(first.status).toBe("budget");
    expect(first.error).toMatchObject({ code: "bench.budget_exhausted", role: "user-sim" });
    expect(first.error!.message).toMatch(/^User-simulator budget of \$0\.20 reached/);
    expect((first.error as BudgetExhaustedError).hint).toContain("--budget-simulator-usd");
    const usage = await runUsage(t.store, run.id);
    expect(usage.byRole["user-sim"].cost_usd).toBeGreaterThan(0);
    expect(usage.byRole["user-sim"].cost_usd).toBeLessThanOrEqual(0.2);
    expect((await getRun(t.store, run.id)).status).toBe("budget");
    // A resume without new limits keeps the recorded one and stops again at once.
    const again = await executeRun(run.id, { store: t.store, player, userModel, priceOf: price });
    expect(again.status).toBe("budget");
    const resumed = await executeRun(run.id, {
      store: t.store,
      player,
      userModel,
      priceOf: price,
      roleBudgetsUsd: { "user-sim": 1000, player: 1000 },
    });
    expect(resumed.status).toBe("complete");
    expect((await getRun(t.store, run.id)).config.roleBudgetsUsd).toEqual({ "user-sim": 1000, player: 1000 });
  });

  it("refuses a role budget it cannot price", async () => {
    const t = await (factories[0] as (typeof factories)[0])[1]("role_budget_unpriced");
    opened.push(t);
    const player = chatModelPlayer(scriptedModel("test:player"));
    const userModel = scriptedModel("test:user");
    const run = await createRun(t.store, {
      suite,
      scenarios: suite.scenarios.slice(0, 1),
      player,
      userModel,
      userSpec: userModel.id,
      simulator: DEFAULT_SIMULATOR_SETTINGS,
      personas: ["plain"],
      traps: [],
      runs: 1,
      turns: 2,
      seed: 7,
      concurrency: 1,
    });
    await expect(
      executeRun(run.id, { store: t.store, player, userModel, roleBudgetsUsd: { player: 1 } }),
    ).rejects.toMatchObject({ code: "bench.budget_unpriced" });
  });
});
