import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { fitCategoryWeights } from "../../src/bench/calibration/fit-weights.ts";
import { ROLE_PLAY_BENCH_LEADERBOARD } from "../../src/bench/calibration/leaderboard.ts";
import { resolveScoringConfig } from "../../src/bench/scoring/scoring-config.ts";
import type { Dimension } from "../../src/bench/taxonomy.ts";
import { startTroupe } from "../support/troupe-process.ts";

/**
 * Dimension means built so that Worlds = −20 + 1.2·(0.6·basics + 0.3·logic + 0.1·knowledge), Stories =
 * 0.25·diversity + 0.75·content_logic and User Preferences = 10 + 0.9·interaction reproduce the published board.
 */
function plantedMeans(): Map<string, Record<Dimension, number>> {
  const out = new Map<string, Record<Dimension, number>>();
  ROLE_PLAY_BENCH_LEADERBOARD.forEach((r, i) => {
    const xw = (r.worlds + 20) / 1.2;
    const basics = xw + ((i * 7) % 5) - 2;
    const logic = xw + ((i * 3) % 4) - 1.5;
    const knowledge = (xw - 0.6 * basics - 0.3 * logic) / 0.1;
    const diversity = r.stories + ((i * 5) % 7) - 3;
    const contentLogic = (r.stories - 0.25 * diversity) / 0.75;
    out.set(r.model, {
      basics,
      logic,
      knowledge,
      diversity,
      content_logic: contentLogic,
      interaction: (r.userPreferences - 10) / 0.9,
    });
  });
  return out;
}

describe("fitting within-category weights to the leaderboard", () => {
  it("recovers planted weights and rescale, and reproduces the published ranking", () => {
    const fit = fitCategoryWeights(plantedMeans(), ROLE_PLAY_BENCH_LEADERBOARD);
    expect(fit.models).toHaveLength(11);
    const [worlds, stories, prefs] = fit.categories;
    expect(worlds!.weights.basics).toBeCloseTo(0.6, 6);
    expect(worlds!.weights.logic).toBeCloseTo(0.3, 6);
    expect(worlds!.weights.knowledge).toBeCloseTo(0.1, 6);
    expect(worlds!.intercept).toBeCloseTo(-20, 4);
    expect(worlds!.slope).toBeCloseTo(1.2, 6);
    expect(stories!.weights).toMatchObject({
      diversity: expect.closeTo(0.25, 6),
      content_logic: expect.closeTo(0.75, 6),
    });
    expect(prefs!.weights).toEqual({ interaction: 1 });
    expect(prefs!.slope).toBeCloseTo(0.9, 6);
    expect(fit.dimensionWeights).toMatchObject({ basics: 0.6, logic: 0.3, knowledge: 0.1, diversity: 0.25 });
    expect(fit.fitted.spearman).toBeCloseTo(1, 9);
    expect(fit.fitted.rmse).toBeLessThan(0.01);
    expect(fit.equalWeights.rmse).toBeGreaterThan(fit.fitted.rmse);
  });

  it("refuses to fit on fewer than 3 leaderboard models", () => {
    const two = new Map([...plantedMeans()].slice(0, 2));
    expect(() => fitCategoryWeights(two, ROLE_PLAY_BENCH_LEADERBOARD)).toThrow(/at least 3 leaderboard models/);
  });

  it("troupe bench calibrate scores --fit-weights fits official-shaped evaluations and writes a selectable scoring config", async () => {
    const dir = mkdtempSync(join(tmpdir(), "troupe-fit-"));
    const file = join(dir, "evaluations.jsonl");
    const rows: string[] = [];
    for (const [model, m] of plantedMeans())
      for (const run of ["run_1", "run_2"])
        rows.push(
          JSON.stringify({
            seed_id: "en_dialogue_001",
            model_name: model,
            run_id: run,
            ...Object.fromEntries(Object.entries(m).map(([d, v]) => [`${d}_score`, v])),
          }),
        );
    writeFileSync(file, `${rows.join("\n")}\n`);
    const out = join(dir, "fitted.yaml");
    const r = await startTroupe(
      [
        "--home",
        join(dir, "home"),
        "--json",
        "bench",
        "calibrate",
        "scores",
        "--fit-weights",
        "--against",
        file,
        "--out",
        out,
      ],
      { cwd: dir },
    ).done;
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.dimensionWeights).toMatchObject({ basics: 0.6, logic: 0.3, knowledge: 0.1 });
    expect(json.fitted.kendall).toBeCloseTo(1, 9);
    const config = resolveScoringConfig(parseYaml(readFileSync(out, "utf8")));
    expect(config.dimensionWeights).toMatchObject({ basics: 0.6, content_logic: 0.75, interaction: 1 });
    const text = await startTroupe(
      ["--home", join(dir, "home"), "bench", "calibrate", "scores", "--fit-weights", "--against", file],
      { cwd: dir },
    ).done;
    expect(text.stdout).toMatch(/fitted Overall vs published: Spearman 1\.000, Kendall 1\.000/);
    const none = await startTroupe(["--home", join(dir, "home"), "bench", "calibrate", "scores", "--against", file], {
      cwd: dir,
    }).done;
    expect(none.code).toBe(2);
  }, 60_000);
});
