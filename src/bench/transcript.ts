import type { Store } from "../store/index.ts";
import type { Dialogue, DialogueMeta, RoleTotals } from "./dialogue.ts";
import {
  getRun,
  listSessions,
  loadRunTurns,
  type RunRecord,
  type SessionRecord,
  type StoredTurn,
} from "./run-store.ts";
import type { Scenario } from "./scenario.ts";

export interface LoadRunDialoguesOptions {
  /** Include sessions that are not finished (their `meta.status` is "partial"). Default false. */
  includePartial?: boolean;
}

/**
 * A stored run in the official dialogues shape `{seed_id, model_name, run_id, num_turns, dialogue}` plus `meta`
 * (models, parameters, simulator version and hash, seeds, per-turn latency, tokens and cost), so troupe's
 * transcripts and the published ones go through the same judge and report code.
 */
export async function loadRunDialogues(
  store: Store,
  runId: string,
  options: LoadRunDialoguesOptions = {},
): Promise<Dialogue[]> {
  const run = await getRun(store, runId);
  const sessions = await listSessions(store, run.id);
  const turns = await loadRunTurns(store, run.id);
  const out: Dialogue[] = [];
  for (const session of sessions) {
    const stored = turns.get(session.id) ?? [];
    const complete = session.status === "complete" && stored.length === run.config.turns + 2;
    if (!complete && !options.includePartial) continue;
    if (stored.length === 0) continue;
    out.push(toDialogue(run, session, stored, complete));
  }
  return out;
}

/** One session's stored turns as a dialogue. */
export function toDialogue(
  run: RunRecord,
  session: SessionRecord,
  stored: readonly StoredTurn[],
  complete: boolean,
): Dialogue {
  const scenario = run.scenarios.find((s) => s.id === session.seedId);
  const totals: Record<string, RoleTotals> = {};
  for (const { meta } of stored) {
    if (meta.source === "script") continue;
    const t = totals[meta.source] ?? { calls: 0, prompt_tokens: 0, completion_tokens: 0, cost_usd: 0, retries: 0 };
    totals[meta.source] = t;
    t.calls += meta.attempts;
    t.prompt_tokens += meta.prompt_tokens;
    t.completion_tokens += meta.completion_tokens;
    t.cost_usd += meta.cost_usd;
    t.retries += meta.retries;
  }
  const sim = run.config.userSimulator;
  const meta: DialogueMeta = {
    source: "troupe",
    run: run.id,
    session: session.id,
    lang: scenario?.lang ?? "en",
    status: complete ? "complete" : session.status === "failed" ? "failed" : "partial",
    ...(!complete && session.status === "failed" && session.error ? { error: session.error } : {}),
    context_strategy: run.config.contextStrategy ?? "full",
    player: {
      id: run.config.player.id,
      spec: run.config.player.spec,
      params: { ...run.config.player.params, ...run.config.player.describe },
    },
    user_simulator: {
      model: sim.model,
      spec: sim.spec,
      params: { ...sim.params },
      prompt_version: sim.promptVersion,
      prompt_hash: sim.promptHash,
      sees_card: sim.seesCard,
      persona: session.plan.persona,
      perturbations: session.plan.events.map((e) => ({ round: e.round, kind: e.kind })),
    },
    seeds: { run: run.config.seed, session: session.sessionSeed },
    suite: run.config.suite,
    turns: stored.map((s) => s.meta),
    totals,
  };
  return {
    seed_id: session.seedId,
    model_name: run.config.modelName,
    run_id: session.runLabel,
    num_turns: stored.length,
    dialogue: stored.map((s) => s.turn),
    meta,
  };
}

/** A dialogue as plain text a person can read: a header, then each round with its speaker and any trap. */
export function renderTranscript(d: Dialogue, scenario?: Scenario): string {
  const ai = scenario?.aiName ?? "AI";
  const user = scenario?.userName ?? "User";
  const events = new Map((d.meta?.user_simulator.perturbations ?? []).map((e) => [e.round, e.kind]));
  const lines = [
    `${d.seed_id} · ${d.model_name} · ${d.run_id} · ${d.num_turns} turns`,
    ...(d.meta
      ? [
          `simulator ${d.meta.user_simulator.model} (${d.meta.user_simulator.prompt_version}, persona ${d.meta.user_simulator.persona})`,
        ]
      : []),
    "",
  ];
  for (const t of d.dialogue) {
    const tag = events.get(t.round);
    lines.push(`[${t.round}] ${t.role === "ai" ? ai : user}${tag ? ` {${tag}}` : ""}:`, t.text, "");
  }
  return lines.join("\n");
}
