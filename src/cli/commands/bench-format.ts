import type { ContextFit, RoleTotals, RunEstimate, RunProgress, RunRecord } from "../../bench/index.ts";
import type { TroupeConfig } from "../../core/index.ts";
import { createPriceTable, parseModelSpec } from "../../llm/index.ts";
import { formatCount, formatDuration, Progress } from "../progress.ts";

/** Which roles have a price, so unpriced spending shows as "unpriced" rather than a misleading $0. */
export interface PricedRoles {
  player: boolean;
  "user-sim": boolean;
}

/** Whether the run's two models have prices under this machine's config (named endpoint price or price table). */
export function pricedRoles(config: TroupeConfig, run: RunRecord): PricedRoles {
  const table = createPriceTable(config.prices);
  const priced = (spec: string, id: string | undefined): boolean => {
    try {
      const parsed = parseModelSpec(spec, config);
      if (parsed.endpoint.price) return true;
      return table.priceFor(parsed.id) !== undefined;
    } catch {
      return id !== undefined && table.priceFor(id) !== undefined;
    }
  };
  return {
    player: priced(run.config.player.spec, run.config.player.describe["model"] as string | undefined),
    "user-sim": priced(run.config.userSimulator.spec, run.config.userSimulator.model),
  };
}

const usd = (n: number | undefined) => (n === undefined ? "unpriced" : `$${n < 1 ? n.toFixed(4) : n.toFixed(2)}`);

/** The pre-run estimate as a few readable lines. */
export function formatEstimate(e: RunEstimate, label = "Estimate"): string[] {
  const line = (name: string, r: RunEstimate["player"]) =>
    `  ${name.padEnd(9)} ${formatCount(r.calls).padStart(7)} calls  ${formatCount(r.promptTokens).padStart(8)} prompt + ${formatCount(r.completionTokens).padStart(7)} completion tokens  ${usd(r.costUsd)}`;
  return [
    `${label}: ${e.sessions} sessions, ${formatCount(e.generatedTurns)} generated turns (prompts grow with the history, so tokens grow quadratically)`,
    line("player", e.player),
    line("user-sim", e["user-sim"]),
    `  total     ${usd(e.totalCostUsd)}  (assuming ~${e.assumptions.playerReplyTokens} tokens per NPC reply and ~${e.assumptions.userReplyTokens} per user reply${e.assumptions.measured ? ", measured on committed turns" : ""})`,
  ];
}

/** One role's running totals: "player 1.2k calls 3.4M tok $1.23 (5 retries)". */
export function formatRole(name: string, r: RoleTotals, priced = true): string {
  return `${name} ${formatCount(r.calls)} calls ${formatCount(r.prompt_tokens + r.completion_tokens)} tok ${priced ? usd(r.cost_usd) : "unpriced"}${r.retries ? ` (${r.retries} retries)` : ""}`;
}

/** A progress display for a run: turns this process added (rate and ETA on those), sessions, per-role usage. */
export function runProgressDisplay(
  label: string,
  priced: PricedRoles,
): { update(p: RunProgress): void; done(p: RunProgress, note?: string): void } {
  const bar = new Progress({ label, unit: "turns" });
  const view = (p: RunProgress) => ({
    done: p.turnsAdded,
    total: p.turnsRemainingAtStart,
    tokens:
      p.byRole.player.prompt_tokens +
      p.byRole.player.completion_tokens +
      p.byRole["user-sim"].prompt_tokens +
      p.byRole["user-sim"].completion_tokens,
    ...(priced.player && priced["user-sim"] ? { costUsd: p.costUsd } : {}),
    note: `sessions ${p.sessionsDone}/${p.sessionsTotal}${p.sessionsFailed ? ` (${p.sessionsFailed} failed)` : ""} · ${formatRole("player", p.byRole.player, priced.player)} · ${formatRole("user-sim", p.byRole["user-sim"], priced["user-sim"])}`,
  });
  return {
    update: (p) => bar.update(view(p)),
    done: (p, note) => {
      bar.update(view(p));
      bar.done(note);
    },
  };
}

/** A short human summary of where a run ended. */
export function formatRunSummary(
  runId: string,
  status: string,
  p: RunProgress,
  elapsedMs: number,
  priced: PricedRoles,
): string[] {
  return [
    `run ${runId}: ${status} · ${p.sessionsDone}/${p.sessionsTotal} sessions · ${p.turnsDone}/${p.turnsTotal} turns (${p.turnsAdded} new) in ${formatDuration(elapsedMs)}`,
    `  ${formatRole("player", p.byRole.player, priced.player)}`,
    `  ${formatRole("user-sim", p.byRole["user-sim"], priced["user-sim"])}`,
    `  total ${priced.player && priced["user-sim"] ? usd(p.costUsd) : `${usd(p.costUsd)} (priced roles only)`}`,
  ];
}

/** Lines saying whether each role's largest call fits its model's context, with what to do when it does not. */
export function formatContextFit(fits: readonly ContextFit[], ids: { player: string; "user-sim": string }): string[] {
  const lines: string[] = [];
  for (const f of fits) {
    const who = `${f.role.padEnd(9)} ${ids[f.role]}`;
    const need = `≈${formatCount(f.promptTokens)} prompt + ${formatCount(f.maxTokens)} output tokens`;
    if (f.window === undefined) {
      lines.push(
        `  context  ${who}: largest call ${need}; window unknown (set contextSize: on a named endpoint to check it)`,
      );
      continue;
    }
    const of = `${formatCount(f.window)}-token context`;
    if (f.verdict === "fits") lines.push(`  context  ${who}: largest call ${need} fits its ${of}`);
    else if (f.verdict === "tight")
      lines.push(`  context  ${who}: largest call ${need} is close to its ${of} (the estimate is rough)`);
    else {
      lines.push(
        `  context  ${who}: WILL NOT FIT: the last turn's call needs ${need}, more than its ${of}${f.scenarioId ? ` (scenario ${f.scenarioId})` : ""}`,
      );
      lines.push(
        f.role === "player"
          ? "           use --context-strategy window:<k>, fewer --turns, a smaller --max-tokens, or a larger context (local:<file>#ctx=<n>)"
          : "           use --user-history <n>, fewer --turns, a smaller --user-max-tokens, or a larger context (local:<file>#ctx=<n>)",
      );
    }
  }
  return lines;
}
