import type { Dialogue } from "../dialogue.ts";

/**
 * Below this many paired scenarios a comparison's interval and p-value are not to be relied on: the bootstrap
 * resamples scenarios, and with a handful of them it cannot see how much scenarios vary. The report and the gate
 * warn below it; `bench gate --min-scenarios` turns it into a requirement.
 */
export const SMALL_SAMPLE_SCENARIOS = 10;

/** The settings of a set of sessions that change what a score means, as far as the dialogues record them. */
export interface ComparedSettings {
  /** Turns per session (the longest complete session; partial sessions are shorter by accident, not by setting). */
  turns: number | undefined;
  /** The player's max tokens per reply, when troupe made the dialogues ("unset" when no limit was given). */
  playerMaxTokens: string | undefined;
  /** The user simulator's max tokens per reply, likewise. */
  simulatorMaxTokens: string | undefined;
  /** The user simulator model, likewise. */
  simulator: string | undefined;
}

function single(values: ReadonlySet<string>): string | undefined {
  return values.size === 0 ? undefined : [...values].sort().join(" / ");
}

/** The compared settings of these dialogues. */
export function comparedSettings(dialogues: Iterable<Dialogue>): ComparedSettings {
  let turns: number | undefined;
  let anyTurns: number | undefined;
  const player = new Set<string>();
  const simMax = new Set<string>();
  const sim = new Set<string>();
  for (const d of dialogues) {
    anyTurns = Math.max(anyTurns ?? 0, d.dialogue.length);
    if (d.meta?.status !== "partial") turns = Math.max(turns ?? 0, d.dialogue.length);
    if (!d.meta) continue;
    player.add(String(d.meta.player.params["maxTokens"] ?? "unset"));
    simMax.add(String(d.meta.user_simulator.params["maxTokens"] ?? "unset"));
    sim.add(d.meta.user_simulator.model);
  }
  return {
    turns: turns ?? anyTurns,
    playerMaxTokens: single(player),
    simulatorMaxTokens: single(simMax),
    simulator: single(sim),
  };
}

/** One side of a comparison. */
export interface ComparedSide {
  label: string;
  settings: ComparedSettings;
}

/**
 * Warnings for a comparison of `candidate` with `baseline`: fewer paired scenarios than SMALL_SAMPLE_SCENARIOS,
 * and settings that differ between the two (turns per session, max tokens, user simulator), since a score
 * difference may then come from the settings rather than the model.
 */
export function comparisonWarnings(
  candidate: ComparedSide,
  baseline: ComparedSide,
  pairedScenarios: number,
  smallSample = SMALL_SAMPLE_SCENARIOS,
): string[] {
  const pair = `${candidate.label} vs ${baseline.label}`;
  const out: string[] = [];
  if (pairedScenarios < smallSample)
    out.push(
      `${pair}: the comparison rests on ${pairedScenarios} paired scenario(s), fewer than ${smallSample}; its interval and p-value are unreliable at this size. Run both on more scenarios (bench gate --min-scenarios <n> enforces a minimum).`,
    );
  const differ: string[] = [];
  const check = (what: string, a: string | number | undefined, b: string | number | undefined) => {
    if (a !== undefined && b !== undefined && a !== b) differ.push(`${what} ${a} vs ${b}`);
  };
  check("turns per session", candidate.settings.turns, baseline.settings.turns);
  check("player max tokens", candidate.settings.playerMaxTokens, baseline.settings.playerMaxTokens);
  check("user-simulator max tokens", candidate.settings.simulatorMaxTokens, baseline.settings.simulatorMaxTokens);
  check("user simulator", candidate.settings.simulator, baseline.settings.simulator);
  if (differ.length)
    out.push(
      `${pair}: the runs were made with different settings (${differ.join("; ")}); a score difference may come from the settings, not the model.`,
    );
  return out;
}
