import type { Kysely } from "kysely";
import { type Migration, migrate, type Store } from "../store/index.ts";

/** A bench run: what was asked for (config and a snapshot of the scenarios) and where it stands. */
export interface BenchRunRow {
  id: string;
  created_at: number;
  updated_at: number;
  /** queued | running | paused | budget | interrupted | failed | complete */
  status: string;
  suite_name: string;
  suite_source: string;
  suite_hash: string;
  model_name: string;
  player_spec: string;
  user_spec: string;
  runs: number;
  turns: number;
  seed: number;
  budget_usd: number | null;
  /** RunConfig as JSON. */
  config_json: string;
  /** The scenarios as they were when the run started, so a resume never depends on the suite file. */
  scenarios_json: string;
  error: string | null;
}

/** One session: a scenario × run index, with its seed and simulator plan. */
export interface BenchSessionRow {
  id: string;
  run_id: string;
  seq: number;
  seed_id: string;
  run_index: number;
  run_label: string;
  session_seed: number;
  /** pending | running | complete | failed | budget */
  status: string;
  plan_json: string;
  worker: string | null;
  heartbeat_at: number | null;
  started_at: number | null;
  finished_at: number | null;
  error: string | null;
}

/** One committed turn. The primary key (session_id, round) makes a duplicate turn impossible. */
export interface BenchTurnRow {
  session_id: string;
  round: number;
  run_id: string;
  role: string;
  source: string;
  text: string;
  prompt_tokens: number;
  completion_tokens: number;
  cost_usd: number;
  retries: number;
  /** Model calls made for the turn (0 for scripted turns; more than 1 after simulator QA regenerations). */
  calls: number;
  latency_ms: number;
  /** TurnMeta as JSON. */
  meta_json: string;
  created_at: number;
}

export interface BenchTables {
  bench_runs: BenchRunRow;
  bench_sessions: BenchSessionRow;
  bench_turns: BenchTurnRow;
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed tables exist.
type AnyDb = Kysely<any>;

/** The bench domain's forward-only migrations. Never edit a released one; append a new one. */
export const BENCH_MIGRATIONS: readonly Migration[] = [
  {
    name: "runs_sessions_turns",
    async up(db: AnyDb) {
      await db.schema
        .createTable("bench_runs")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("suite_name", "text", (c) => c.notNull())
        .addColumn("suite_source", "text", (c) => c.notNull())
        .addColumn("suite_hash", "text", (c) => c.notNull())
        .addColumn("model_name", "text", (c) => c.notNull())
        .addColumn("player_spec", "text", (c) => c.notNull())
        .addColumn("user_spec", "text", (c) => c.notNull())
        .addColumn("runs", "integer", (c) => c.notNull())
        .addColumn("turns", "integer", (c) => c.notNull())
        .addColumn("seed", "bigint", (c) => c.notNull())
        .addColumn("budget_usd", "double precision")
        .addColumn("config_json", "text", (c) => c.notNull())
        .addColumn("scenarios_json", "text", (c) => c.notNull())
        .addColumn("error", "text")
        .execute();
      await db.schema
        .createTable("bench_sessions")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("run_id", "text", (c) => c.notNull().references("bench_runs.id").onDelete("cascade"))
        .addColumn("seq", "integer", (c) => c.notNull())
        .addColumn("seed_id", "text", (c) => c.notNull())
        .addColumn("run_index", "integer", (c) => c.notNull())
        .addColumn("run_label", "text", (c) => c.notNull())
        .addColumn("session_seed", "bigint", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("plan_json", "text", (c) => c.notNull())
        .addColumn("worker", "text")
        .addColumn("heartbeat_at", "bigint")
        .addColumn("started_at", "bigint")
        .addColumn("finished_at", "bigint")
        .addColumn("error", "text")
        .execute();
      await db.schema.createIndex("bench_sessions_run").on("bench_sessions").columns(["run_id", "seq"]).execute();
      await db.schema
        .createTable("bench_turns")
        .addColumn("session_id", "text", (c) => c.notNull().references("bench_sessions.id").onDelete("cascade"))
        .addColumn("round", "integer", (c) => c.notNull())
        .addColumn("run_id", "text", (c) => c.notNull())
        .addColumn("role", "text", (c) => c.notNull())
        .addColumn("source", "text", (c) => c.notNull())
        .addColumn("text", "text", (c) => c.notNull())
        .addColumn("prompt_tokens", "integer", (c) => c.notNull())
        .addColumn("completion_tokens", "integer", (c) => c.notNull())
        .addColumn("cost_usd", "double precision", (c) => c.notNull())
        .addColumn("retries", "integer", (c) => c.notNull())
        .addColumn("calls", "integer", (c) => c.notNull())
        .addColumn("latency_ms", "double precision", (c) => c.notNull())
        .addColumn("meta_json", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("bench_turns_pk", ["session_id", "round"])
        .execute();
      await db.schema.createIndex("bench_turns_run").on("bench_turns").columns(["run_id", "source"]).execute();
    },
  },
];

/** Open the bench tables on a store (migrating them on first use) with their types. */
export async function benchDb(store: Store): Promise<Kysely<BenchTables>> {
  await migrate(store, "bench", BENCH_MIGRATIONS);
  return store.db as Kysely<BenchTables>;
}
