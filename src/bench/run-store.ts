import { TroupeError, UsageError } from "../core/index.ts";
import type { Store } from "../store/index.ts";
import { type BenchRunRow, type BenchSessionRow, benchDb } from "./bench-tables.ts";
import type { RoleTotals, TurnMeta } from "./dialogue.ts";
import { type RunConfig, RunConfigSchema } from "./run-config.ts";
import type { Scenario } from "./scenario.ts";
import type { Turn } from "./turn.ts";
import type { SimulatorPlan } from "./user-simulator.ts";

/** Where a run stands. `budget`, `interrupted`, `paused` and `failed` runs can be resumed. */
export type RunStatus = "queued" | "running" | "paused" | "budget" | "interrupted" | "failed" | "complete";
export type SessionStatus = "pending" | "running" | "complete" | "failed" | "budget";

export interface RunRecord {
  id: string;
  createdAt: number;
  updatedAt: number;
  status: RunStatus;
  config: RunConfig;
  scenarios: Scenario[];
  error: string | null;
}

export interface SessionRecord {
  id: string;
  runId: string;
  seq: number;
  seedId: string;
  runIndex: number;
  /** The official `run_id` ("run_1"). */
  runLabel: string;
  sessionSeed: number;
  status: SessionStatus;
  plan: SimulatorPlan;
  worker: string | null;
  error: string | null;
  startedAt: number | null;
  finishedAt: number | null;
}

/** A committed turn with what troupe measured about it. */
export interface StoredTurn {
  turn: Turn;
  meta: TurnMeta;
}

/** Another process already committed a different turn at this round: this session belongs to someone else now. */
export class TurnConflictError extends TroupeError {
  constructor(sessionId: string, round: number) {
    super("bench.turn_conflict", `Session ${sessionId} already has a different turn at round ${round}.`, {
      hint: "Another worker took this session over; this copy stops without writing.",
    });
  }
}

function toRun(row: BenchRunRow): RunRecord {
  return {
    id: row.id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    status: row.status as RunStatus,
    config: RunConfigSchema.parse(JSON.parse(row.config_json)),
    scenarios: JSON.parse(row.scenarios_json) as Scenario[],
    error: row.error,
  };
}

function toSession(row: BenchSessionRow): SessionRecord {
  return {
    id: row.id,
    runId: row.run_id,
    seq: row.seq,
    seedId: row.seed_id,
    runIndex: row.run_index,
    runLabel: row.run_label,
    sessionSeed: Number(row.session_seed),
    status: row.status as SessionStatus,
    plan: JSON.parse(row.plan_json) as SimulatorPlan,
    worker: row.worker,
    error: row.error,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

/** A new session to insert with its run. */
export type NewSession = Pick<
  SessionRecord,
  "id" | "seq" | "seedId" | "runIndex" | "runLabel" | "sessionSeed" | "plan"
>;

/** Insert a run and all its sessions in one transaction. */
export async function insertRun(
  store: Store,
  run: { id: string; status: RunStatus; config: RunConfig; scenarios: Scenario[]; now: number },
  sessions: readonly NewSession[],
): Promise<void> {
  const db = await benchDb(store);
  await db.transaction().execute(async (tx) => {
    await tx
      .insertInto("bench_runs")
      .values({
        id: run.id,
        created_at: run.now,
        updated_at: run.now,
        status: run.status,
        suite_name: run.config.suite.name,
        suite_source: run.config.suite.source,
        suite_hash: run.config.suite.hash,
        model_name: run.config.modelName,
        player_spec: run.config.player.spec,
        user_spec: run.config.userSimulator.spec,
        runs: run.config.runs,
        turns: run.config.turns,
        seed: run.config.seed,
        budget_usd: run.config.budgetUsd ?? null,
        config_json: JSON.stringify(run.config),
        scenarios_json: JSON.stringify(run.scenarios),
        error: null,
      })
      .execute();
    // Chunked so PostgreSQL's parameter limit is never reached on large suites.
    for (let i = 0; i < sessions.length; i += 200) {
      await tx
        .insertInto("bench_sessions")
        .values(
          sessions.slice(i, i + 200).map((s) => ({
            id: s.id,
            run_id: run.id,
            seq: s.seq,
            seed_id: s.seedId,
            run_index: s.runIndex,
            run_label: s.runLabel,
            session_seed: s.sessionSeed,
            status: "pending",
            plan_json: JSON.stringify(s.plan),
            worker: null,
            heartbeat_at: null,
            started_at: null,
            finished_at: null,
            error: null,
          })),
        )
        .execute();
    }
  });
}

/** Find a run by id or unique id prefix; a clear usage error otherwise. */
export async function getRun(store: Store, idOrPrefix: string): Promise<RunRecord> {
  const db = await benchDb(store);
  const exact = await db.selectFrom("bench_runs").selectAll().where("id", "=", idOrPrefix).executeTakeFirst();
  if (exact) return toRun(exact);
  const matches = await db
    .selectFrom("bench_runs")
    .selectAll()
    .where("id", "like", `${idOrPrefix.replace(/[%_]/g, "")}%`)
    .limit(5)
    .execute();
  if (matches.length === 1) return toRun(matches[0] as BenchRunRow);
  if (matches.length > 1) {
    throw new UsageError(
      "bench.ambiguous_run",
      `"${idOrPrefix}" matches several runs: ${matches.map((m) => m.id).join(", ")}.`,
      {
        hint: "Give more of the run id.",
      },
    );
  }
  throw new UsageError("bench.unknown_run", `No bench run "${idOrPrefix}" in ${store.location}.`, {
    hint: "List runs with `troupe bench ls`; check --home / --database point at the right store.",
  });
}

/** Whether a run with exactly this id exists. */
export async function runExists(store: Store, runId: string): Promise<boolean> {
  const db = await benchDb(store);
  return (await db.selectFrom("bench_runs").select("id").where("id", "=", runId).executeTakeFirst()) !== undefined;
}

/** The number of committed turns of a run. */
export async function countRunTurns(store: Store, runId: string): Promise<number> {
  const db = await benchDb(store);
  const row = await db
    .selectFrom("bench_turns")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("run_id", "=", runId)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Delete a run with its sessions and turns, in one transaction (the run's leases are the caller's to clear). */
export async function deleteRunRecords(store: Store, runId: string): Promise<void> {
  const db = await benchDb(store);
  await db.transaction().execute(async (tx) => {
    await tx.deleteFrom("bench_turns").where("run_id", "=", runId).execute();
    await tx.deleteFrom("bench_sessions").where("run_id", "=", runId).execute();
    await tx.deleteFrom("bench_runs").where("id", "=", runId).execute();
  });
}

/** Every run, newest first. */
export async function listRunRecords(store: Store, limit = 100): Promise<RunRecord[]> {
  const db = await benchDb(store);
  const rows = await db
    .selectFrom("bench_runs")
    .selectAll()
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(limit)
    .execute();
  return rows.map(toRun);
}

/** A run's sessions in their fixed order. */
export async function listSessions(store: Store, runId: string): Promise<SessionRecord[]> {
  const db = await benchDb(store);
  const rows = await db.selectFrom("bench_sessions").selectAll().where("run_id", "=", runId).orderBy("seq").execute();
  return rows.map(toSession);
}

/** One session by id. */
export async function getSession(store: Store, sessionId: string): Promise<SessionRecord | undefined> {
  const db = await benchDb(store);
  const row = await db.selectFrom("bench_sessions").selectAll().where("id", "=", sessionId).executeTakeFirst();
  return row ? toSession(row) : undefined;
}

/** A session's committed turns, in round order. */
export async function loadSessionTurns(store: Store, sessionId: string): Promise<StoredTurn[]> {
  const db = await benchDb(store);
  const rows = await db
    .selectFrom("bench_turns")
    .select(["round", "role", "text", "meta_json"])
    .where("session_id", "=", sessionId)
    .orderBy("round")
    .execute();
  return rows.map((r) => ({
    turn: { role: r.role as Turn["role"], round: r.round, text: r.text },
    meta: JSON.parse(r.meta_json) as TurnMeta,
  }));
}

/** All committed turns of a run, grouped by session, each in round order. */
export async function loadRunTurns(store: Store, runId: string): Promise<Map<string, StoredTurn[]>> {
  const db = await benchDb(store);
  const rows = await db
    .selectFrom("bench_turns")
    .select(["session_id", "round", "role", "text", "meta_json"])
    .where("run_id", "=", runId)
    .orderBy("session_id")
    .orderBy("round")
    .execute();
  const out = new Map<string, StoredTurn[]>();
  for (const r of rows) {
    const list = out.get(r.session_id) ?? [];
    if (list.length === 0) out.set(r.session_id, list);
    list.push({
      turn: { role: r.role as Turn["role"], round: r.round, text: r.text },
      meta: JSON.parse(r.meta_json) as TurnMeta,
    });
  }
  return out;
}

/** Update a session's status and bookkeeping fields. */
export async function updateSession(
  store: Store,
  sessionId: string,
  patch: Partial<Pick<BenchSessionRow, "status" | "worker" | "heartbeat_at" | "started_at" | "finished_at" | "error">>,
): Promise<void> {
  const db = await benchDb(store);
  await db.updateTable("bench_sessions").set(patch).where("id", "=", sessionId).execute();
}

/** Update a run's status (and error), stamping the time. */
export async function updateRunStatus(
  store: Store,
  runId: string,
  status: RunStatus,
  now: number,
  error: string | null = null,
): Promise<void> {
  const db = await benchDb(store);
  await db.updateTable("bench_runs").set({ status, updated_at: now, error }).where("id", "=", runId).execute();
}

/** Raise or change the budget stored with a run (for resume --budget-usd). */
export async function updateRunConfig(store: Store, runId: string, config: RunConfig, now: number): Promise<void> {
  const db = await benchDb(store);
  await db
    .updateTable("bench_runs")
    .set({ config_json: JSON.stringify(config), budget_usd: config.budgetUsd ?? null, updated_at: now })
    .where("id", "=", runId)
    .execute();
}

/** Tokens, cost, calls and retries per role over a run's committed turns, plus committed turn counts per session. */
export async function runUsage(
  store: Store,
  runId: string,
): Promise<{
  byRole: Record<"player" | "user-sim", RoleTotals>;
  turnsBySession: Map<string, number>;
  costUsd: number;
}> {
  const db = await benchDb(store);
  const rows = await db
    .selectFrom("bench_turns")
    .select((eb) => [
      "source",
      eb.fn.sum<number>("calls").as("calls"),
      eb.fn.sum<number>("prompt_tokens").as("prompt_tokens"),
      eb.fn.sum<number>("completion_tokens").as("completion_tokens"),
      eb.fn.sum<number>("cost_usd").as("cost_usd"),
      eb.fn.sum<number>("retries").as("retries"),
    ])
    .where("run_id", "=", runId)
    .groupBy("source")
    .execute();
  const empty = (): RoleTotals => ({ calls: 0, prompt_tokens: 0, completion_tokens: 0, cost_usd: 0, retries: 0 });
  const byRole = { player: empty(), "user-sim": empty() };
  for (const r of rows) {
    if (r.source !== "player" && r.source !== "user-sim") continue;
    byRole[r.source] = {
      calls: Number(r.calls ?? 0),
      prompt_tokens: Number(r.prompt_tokens ?? 0),
      completion_tokens: Number(r.completion_tokens ?? 0),
      cost_usd: Number(r.cost_usd ?? 0),
      retries: Number(r.retries ?? 0),
    };
  }
  const counts = await db
    .selectFrom("bench_turns")
    .select((eb) => ["session_id", eb.fn.countAll<number>().as("n")])
    .where("run_id", "=", runId)
    .groupBy("session_id")
    .execute();
  const turnsBySession = new Map(counts.map((c) => [c.session_id, Number(c.n)]));
  return { byRole, turnsBySession, costUsd: byRole.player.cost_usd + byRole["user-sim"].cost_usd };
}
