import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { parse as parseYaml } from "yaml";
import {
  DEFAULT_INTERVALS,
  DIMENSIONS,
  type IntervalOptions,
  type PanelConfig,
  PanelConfigSchema,
  resolveScoringConfig,
  type ScoringConfig,
} from "../../bench/index.ts";
import { UsageError } from "../../core/index.ts";
import { intFlag } from "./bench-flags.ts";

/** Flags that decide how judged flags become scores (shared by judge, report, gate and calibrate). */
export interface ScoringFlags {
  scoring?: string;
  weights?: string;
  includeUnverified?: boolean;
  detectorFlags?: string;
  panel?: string;
  panelDimension?: string;
  seed?: string;
  resamples?: number;
}

/** Add the scoring, panel and interval flags to a command. */
export function addScoringFlags(command: Command): Command {
  return command
    .option(
      "--scoring <file>",
      "scoring config (YAML/JSON): pointsPerUnit, allowancePerTurn, severityWeights, dimensionWeights…",
    )
    .option(
      "--weights <list>",
      `weights inside each category, e.g. basics=2,logic=1,knowledge=1 (dimensions: ${DIMENSIONS.join(", ")})`,
    )
    .option("--include-unverified", "also count flags whose quote was not found in the cited round")
    .option("--detector-flags <mode>", "report (default) or score: whether rule-based detector flags deduct points")
    .option("--panel <policy>", "how a judge panel keeps a flag: majority (default), union or intersection")
    .option("--panel-dimension <list>", "per-dimension policy overrides, e.g. interaction=union,logic=intersection")
    .option("--seed <seed>", "bootstrap seed (intervals replay exactly)", DEFAULT_INTERVALS.seed as string)
    .option("--resamples <n>", "bootstrap resamples", intFlag(100, 1_000_000), DEFAULT_INTERVALS.resamples);
}

function parsePairs(text: string, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^([a-z_]+)\s*=\s*(\S+)$/.exec(part);
    if (!m)
      throw new UsageError("bench.invalid_flag", `${flag}: "${part}" is not name=value.`, {
        hint: `Example: ${flag} basics=2,logic=1`,
      });
    out[m[1]!] = m[2]!;
  }
  return out;
}

/** Resolve the scoring config from --scoring, --weights, --include-unverified and --detector-flags. */
export function scoringFromFlags(flags: ScoringFlags): ScoringConfig {
  let base: Record<string, unknown> = {};
  if (flags.scoring) {
    try {
      base = (parseYaml(readFileSync(flags.scoring, "utf8")) ?? {}) as Record<string, unknown>;
    } catch (error) {
      throw new UsageError(
        "bench.scoring_file",
        `Cannot read the scoring config ${flags.scoring}: ${(error as Error).message}`,
        {
          hint: "Give a YAML or JSON file with keys such as pointsPerUnit, allowancePerTurn, dimensionWeights.",
        },
      );
    }
  }
  if (flags.weights) {
    const weights: Record<string, number> = { ...(base["dimensionWeights"] as Record<string, number> | undefined) };
    for (const d of DIMENSIONS) weights[d] ??= 1;
    for (const [k, v] of Object.entries(parsePairs(flags.weights, "--weights"))) {
      if (!(DIMENSIONS as readonly string[]).includes(k))
        throw new UsageError("bench.invalid_flag", `--weights: unknown dimension "${k}".`, {
          hint: `Dimensions: ${DIMENSIONS.join(", ")}.`,
        });
      weights[k] = Number(v);
    }
    base["dimensionWeights"] = weights;
  }
  if (flags.includeUnverified) base["includeUnverified"] = true;
  if (flags.detectorFlags) base["detectorFlags"] = flags.detectorFlags;
  try {
    return resolveScoringConfig(base);
  } catch (error) {
    throw new UsageError("bench.invalid_scoring", `Invalid scoring config: ${(error as Error).message}`, {
      hint: "Check the field named above (weights must be non-negative numbers; detectorFlags is report or score).",
    });
  }
}

/** Resolve the panel policy from --panel and --panel-dimension. */
export function panelFromFlags(flags: ScoringFlags): PanelConfig {
  const parsed = PanelConfigSchema.safeParse({
    policy: flags.panel ?? "majority",
    perDimension: flags.panelDimension ? parsePairs(flags.panelDimension, "--panel-dimension") : {},
  });
  if (!parsed.success)
    throw new UsageError(
      "bench.invalid_panel",
      `Invalid panel policy: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
      {
        hint: "Policies are majority, union or intersection; dimensions are basics, logic, knowledge, diversity, content_logic, interaction.",
      },
    );
  return parsed.data;
}

/** Bootstrap settings from --seed and --resamples. */
export function intervalsFromFlags(flags: ScoringFlags): IntervalOptions {
  return {
    ...DEFAULT_INTERVALS,
    seed: flags.seed ?? DEFAULT_INTERVALS.seed,
    resamples: flags.resamples ?? DEFAULT_INTERVALS.resamples,
  };
}

/** Split a comma-separated flag value. */
export function listFlag(value: string | undefined): string[] | undefined {
  return value
    ?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}
